/**
 * The renderer's one door to `app/`: the StudioApi contract's types, the domain's plain constants (the
 * per-step metrics table among them), the one StudioApi client (app/api/client.ts, shared with the desktop
 * preload) and a few pure, dependency-free functions (LTTB, the metric lookups, the colours and statistics
 * the HTML report shares). Nothing else from `app/` may be imported (STUDIO.md, "Rooms"; checked by
 * .dependency-cruiser.cjs); these modules import only types, app/domain and each other, so this pulls no
 * Node or TF.js code into the bundle.
 */
export type {
  AnalysisInfo,
  AnalysisOptions,
  AnalysisProgress,
  AnalysisRequest,
  AnalysisResult,
  AnalysisStatus,
  ArmResult,
  ComparisonArmInput,
  ComparisonDetail,
  ComparisonInfo,
  ComparisonResults,
  ConfigCheck,
  DesktopExtras,
  EpochEvaluation,
  EpochMetrics,
  EpochSeriesName,
  Estimate,
  ExcludedRun,
  ExportedFile,
  ExportFormat,
  ExportResult,
  FieldProblem,
  NewComparison,
  OptimizerConfigInput,
  OptionInfo,
  PairedDifference,
  PresetInfo,
  ProvisionalRun,
  QueueRequest,
  RunDetail,
  RunInfo,
  RunPlacement,
  RunsPlacementInfo,
  RunStatus,
  RunStreamEvent,
  Series,
  SeriesName,
  SeriesRequest,
  StepMetricName,
  StepMetrics,
  StepSeriesName,
  StudioApi,
  StudioInfo,
  NewStudy,
  SeedEstimate,
  StudyAxis,
  StudyCellResult,
  StudyDetail,
  StudyDifference,
  StudyExportFormat,
  StudyInfo,
  StudyParameter,
  StudyPresetInfo,
  StudyResults,
  SubscriptionErrorListener,
  TrainConfig,
  TrainConfigInput,
  Unsubscribe,
  DatasetPreview,
  DatasetPreviewOptions,
  DatasetPreviewSample,
  ModelDescription,
  ModelDescriptionRequest,
  ModelLayerInfo,
  DatasetCacheEntry,
  DatasetDownloadProgress,
  DatasetStatus,
} from '../../../app/api/types.js';
export {
  ACTIVE_STATUSES,
  EPOCH_SERIES,
  EXPORT_FORMATS,
  PENDING_ANALYSIS_STATUSES,
  RESUMABLE_STATUSES,
  RUN_STATUSES,
  STEP_METRICS,
  STEP_SERIES,
  STUDIO_API_CALLS,
  STUDIO_API_SUBSCRIPTIONS,
  STUDY_EXPORT_FORMATS,
  STUDY_PARAMETER_LABELS,
  STUDY_PARAMETERS,
  isStepSeries,
  optimizerTitle,
  reportsMetric,
  stepMetricDefinition,
} from '../../../app/api/types.js';
export type { ClientMessage, ServerMessage, WireError } from '../../../app/api/wire.js';
export { createStudioClient, errorFromWire } from '../../../app/api/client.js';
export type { StudioTransport } from '../../../app/api/client.js';
// the one function shared with the service: pure, dependency-free LTTB (bounding the live tail)
export { largestTriangleThreeBuckets } from '../../../app/api/lttb.js';
export { WIRE_PATH } from '../../../app/api/wire.js';
// the colours and statistics the HTML report shows too, computed one way
export { assignColors, OPTIMIZER_COLORS, optimizerColor, PALETTE } from '../../../app/domain/palette.js';
export { mean, meanAndDeviation } from '../../../app/domain/statistics.js';
// which runs of a comparison count, as the service, the report and the CLI decide it
export { armStanding, runProgress, runStanding, winnerPending } from '../../../app/domain/comparisonStanding.js';
export type { ArmStanding, RunStanding } from '../../../app/domain/comparisonStanding.js';

import type { StepMetrics } from '../../../app/api/types.js';

/**
 * Steps done once `metrics` was taken. StepMetrics.step is the step's 0-based index, while Series.steps,
 * `afterStep` and rewind events count steps done (index + 1); every x-axis here uses steps done.
 */
export function stepsDoneAfter(metrics: StepMetrics): number {
  return metrics.step + 1;
}
