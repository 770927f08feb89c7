/**
 * How the data readers talk about a file they cannot use. A path may be named by a client of the web shell
 * (any file the studio's user can read), so an error names the file and says what is wrong with its format,
 * and never quotes what the file holds: no line, no cell, no bytes, no names found by listing a folder —
 * counts and positions only. Node's own error texts are not passed on either (they can name other paths, and
 * V8's JSON errors quote the text), only what their code means.
 */

/** A problem with one field of a data set spec other than its path (label, testFraction, trainCount, the name). */
export class DatasetFieldError extends Error {
  override name = 'DatasetFieldError';
  constructor(
    /** The field of the spec, as in "label" (the service names it "data.label"). */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const FS_CODES: Record<string, string> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  ELOOP: 'it is a loop of symbolic links',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many files are open',
  EIO: 'the disk reported an input/output error',
};

/** What a failed file-system call means, from its error code alone ("permission denied"). */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined) return 'it cannot be read';
  return FS_CODES[code] ?? `it cannot be read (${code})`;
}

/** What a JSON.parse failure means, without V8's quote of the text: "not valid JSON (at position 12)". */
export function describeJsonError(error: unknown): string {
  const position = /position (\d+)/.exec(String((error as Error | undefined)?.message ?? ''));
  return `not valid JSON${position ? ` (at position ${position[1]})` : ''}`;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte);
}

/**
 * What a file's first bytes look like, for "it looks like …" in a format error: the kind, never the bytes.
 * Recognises the formats a data folder is likely to hold by mistake.
 */
export function describeContentKind(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'the file is empty';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return 'it looks like a PNG image';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'it looks like a JPEG image';
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return 'it looks like a GIF image';
  if (startsWith(bytes, [0x42, 0x4d])) return 'it looks like a BMP image';
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46])) return 'it looks like a RIFF file (WebP, WAV or AVI)';
  if (startsWith(bytes, [0x1f, 0x8b])) return 'it looks like a gzip archive';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'it looks like a ZIP archive';
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46])) return 'it looks like a PDF document';
  if (startsWith(bytes, [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65])) return 'it looks like an SQLite database';
  const sample = bytes.subarray(0, 512);
  const text = sample.every((byte) => byte === 0x09 || byte === 0x0a || byte === 0x0d || (byte >= 0x20 && byte !== 0x7f));
  return text ? 'it looks like text' : 'it holds data of an unrecognised kind';
}
