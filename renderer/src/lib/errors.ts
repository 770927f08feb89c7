/** The message to show for anything a promise rejected with. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A bound as people write it: 1000000 → "1,000,000", 1e-8 stays "1e-8". */
function bound(text: string): string {
  const value = Number(text);
  if (!Number.isFinite(value)) return text;
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e15) ? String(value) : value.toLocaleString('en-US', { maximumFractionDigits: 6 });
}

const TYPE_WORDS: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  string: 'text',
  boolean: 'on or off',
  array: 'a list',
  object: 'a group of settings',
};

/** zod's texts ("Too small: expected number to be >0"), each with what a practitioner reads instead. */
const VALIDATOR_TEXTS: readonly [RegExp, (label: string, ...groups: string[]) => string][] = [
  // a whole number above 0 is one of at least 1 (the form says which fields take whole numbers)
  [/^Too small: expected integer to be >(\d+)$/, (label, n) => `${label} must be at least ${bound(String(Number(n) + 1))}`],
  [/^Too big: expected integer to be <(\d+)$/, (label, n) => `${label} must be at most ${bound(String(Number(n) - 1))}`],
  [/^Too small: expected (?:number|integer) to be >(=?)(.+)$/, (label, equal, n) => `${label} must be ${equal ? 'at least' : 'greater than'} ${bound(n!)}`],
  [/^Too big: expected (?:number|integer) to be <(=?)(.+)$/, (label, equal, n) => `${label} must be ${equal ? 'at most' : 'less than'} ${bound(n!)}`],
  [/^Too small: expected string to have >=?1 characters?$/, (label) => `${label} must not be empty`],
  [/^Too small: expected string to have >(=?)(\d+) characters?$/, (label, equal, n) => `${label} must have at least ${Number(n) + (equal ? 0 : 1)} characters`],
  [/^Too big: expected string to have <(=?)(\d+) characters?$/, (label, equal, n) => `${label} must have at most ${Number(n) - (equal ? 0 : 1)} characters`],
  [/^Too small: expected (?:array|set) to have >(=?)(\d+) items?$/, (label, equal, n) => `${label} needs at least ${Number(n) + (equal ? 0 : 1)} ${Number(n) + (equal ? 0 : 1) === 1 ? 'entry' : 'entries'}`],
  [/^Too big: expected (?:array|set) to have <(=?)(\d+) items?$/, (label, equal, n) => `${label} takes at most ${Number(n) - (equal ? 0 : 1)} entries`],
  [/^Invalid input: expected number, received (?:NaN|Infinity|-Infinity)$/, (label) => `${label} must be a finite number`],
  [/^Invalid input: expected (\w+), received \w+$/, (label, type) => `${label} must be ${TYPE_WORDS[type!] ?? type}`],
  [/^Invalid option: expected one of (.+)$/, (label, options) => `${label} must be one of ${options!.split('|').map((option) => option.replace(/^"|"$/g, '')).join(', ')}`],
  [/^Invalid input: expected "(.+)"$/, (label, value) => `${label} must be “${value}”`],
  [/^Invalid number: must be a multiple of (.+)$/, (label, n) => `${label} must be a multiple of ${bound(n!)}`],
  [/^Unrecognized keys?: (.+)$/, (label, keys) => `${label} has a setting the studio does not know: ${keys}`],
  [/^Invalid input$/, (label) => `${label} is not valid here`],
];

/**
 * A problem with a field in a practitioner's words: "Learning rate must be greater than 0" for zod's "Too
 * small: expected number to be >0", "Learning rate must be a number" for the form's own "must be a number".
 * Texts written for people already (the service's own checks: a missing folder, a data set that does not fit
 * the model) are kept as they are; `standalone` names the field before them, for a list away from the field.
 * `integer`: the field takes whole numbers, so "> 0" reads "at least 1".
 */
export function practitionerMessage(label: string, message: string, options: { standalone?: boolean; integer?: boolean } = {}): string {
  const trimmed = message.trim();
  const text = options.integer ? trimmed.replace(/^(Too (?:small|big): expected) number /, '$1 integer ') : trimmed;
  for (const [pattern, write] of VALIDATOR_TEXTS) {
    const match = pattern.exec(text);
    if (match !== null) return write(label, ...match.slice(1).map((group) => group ?? ''));
  }
  if (/^must\b/.test(text)) return `${label} ${text}`;
  // a text that already names its field ("Batch size must be a whole number") needs no label in front
  const named = text.toLowerCase().startsWith(label.toLowerCase());
  return options.standalone && !named ? `${label}: ${text}` : text;
}
