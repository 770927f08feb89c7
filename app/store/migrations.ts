/**
 * The store's schema, as an ordered list of migrations. `PRAGMA user_version` holds how many have been
 * applied. Never edit a migration that has shipped: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: runs, their transitions, per-step and per-epoch metrics, comparisons, files
  `
  CREATE TABLE comparisons (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    arms TEXT NOT NULL,          -- JSON array of arm labels, in display order
    baseline TEXT NOT NULL,      -- the arm the others are measured against
    seeds TEXT NOT NULL,         -- JSON array of seeds
    varies TEXT NOT NULL         -- JSON array: what differs between the runs ("optimizer", "rho", "seed", ...)
  );

  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    config TEXT NOT NULL,        -- the validated TrainConfig, JSON
    status TEXT NOT NULL,
    message TEXT,
    backend TEXT,
    device TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    comparison_id INTEGER REFERENCES comparisons(id) ON DELETE SET NULL,
    arm TEXT,
    parameter_count INTEGER,
    steps_per_epoch INTEGER,
    total_steps INTEGER,
    step INTEGER NOT NULL DEFAULT 0,
    epochs_done INTEGER NOT NULL DEFAULT 0,
    final_test_accuracy REAL,
    best_test_accuracy REAL,
    final_train_loss REAL,
    training_ms REAL NOT NULL DEFAULT 0,
    class_names TEXT,            -- JSON array
    owner_pid INTEGER            -- the process training it, while queued/running/paused
  );
  CREATE INDEX runs_by_comparison ON runs(comparison_id);
  CREATE INDEX runs_by_status ON runs(status);

  CREATE TABLE run_transitions (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    status TEXT NOT NULL,
    message TEXT
  );
  CREATE INDEX run_transitions_by_run ON run_transitions(run_id);

  CREATE TABLE step_metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    loss REAL,
    perturbed_loss REAL,
    gradient_norm REAL,
    perturbation_norm REAL,
    ema_norm REAL,
    gradient_ema_cosine REAL,
    learning_rate REAL,
    step_ms REAL,
    samples_per_second REAL,
    elapsed_ms REAL,
    PRIMARY KEY (run_id, step)
  ) WITHOUT ROWID;

  CREATE TABLE epoch_metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    step INTEGER NOT NULL,
    train_loss REAL,
    train_accuracy REAL,
    test_loss REAL,
    test_accuracy REAL,
    elapsed_ms REAL,
    detail TEXT NOT NULL,        -- JSON: the full train and test evaluations (per-class accuracy, confusion)
    PRIMARY KEY (run_id, epoch)
  ) WITHOUT ROWID;

  CREATE TABLE run_files (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,          -- checkpoint | export | report
    path TEXT NOT NULL,          -- relative to the store's files folder
    bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    step INTEGER
  );
  CREATE INDEX run_files_by_run ON run_files(run_id);
  `,
  // 2: sharpness analyses of runs (app/analysis): options, status, progress and the result, as JSON
  `
  CREATE TABLE analyses (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    options TEXT NOT NULL,       -- JSON: the validated AnalysisOptions
    status TEXT NOT NULL,        -- queued | running | completed | failed | interrupted
    message TEXT,
    progress TEXT,               -- JSON AnalysisProgress while queued or running
    result TEXT,                 -- JSON AnalysisResult once completed
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    owner_pid INTEGER            -- the process computing it, while queued or running
  );
  CREATE INDEX analyses_by_run ON analyses(run_id);
  `,
  // 3: studies (app/domain/studies.ts): a grid of comparisons, one per value of the swept setting
  `
  CREATE TABLE studies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    preset TEXT,                 -- the preset it came from, or NULL
    definition TEXT NOT NULL     -- JSON: base config, arms, baseline, axis, seeds as validated
  );
  ALTER TABLE comparisons ADD COLUMN study_id INTEGER REFERENCES studies(id) ON DELETE CASCADE;
  ALTER TABLE comparisons ADD COLUMN study_value REAL;
  CREATE INDEX comparisons_by_study ON comparisons(study_id);
  `,
  // 4: runs trained by remote workers through a job queue (app/queue): where a run trains, the worker's host,
  // the queue attempt; per queue (its URL redacted — never a password), this studio's id there and the id of
  // the last worker event applied, written in the same transaction as the event, so a restart catches up exactly
  `
  ALTER TABLE runs ADD COLUMN placement TEXT NOT NULL DEFAULT 'local';   -- local | queue
  ALTER TABLE runs ADD COLUMN worker_host TEXT;
  ALTER TABLE runs ADD COLUMN queue_attempt INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE queue_cursors (
    queue TEXT PRIMARY KEY,      -- the redacted queue URL
    studio_id TEXT NOT NULL,     -- this studio's namespace on that queue
    last_event_id TEXT NOT NULL  -- the Redis stream id of the last event applied
  );
  `,
];
