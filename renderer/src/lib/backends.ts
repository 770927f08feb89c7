/**
 * Why the service skipped a TF.js backend, in one line for Settings. The service reports the module
 * loader's own error ("Cannot find package '@tensorflow/tfjs-node-gpu' imported from /…/backend.js"), which
 * Settings keeps behind a disclosure; this is what a practitioner reads first.
 */
const REASONS: readonly [RegExp, (...groups: string[]) => string][] = [
  [/Cannot find (?:package|module) '([^']+)'/, (name) => `not installed (the optional package ${name} is absent)`],
  [/NODE_MODULE_VERSION|compiled against a different Node\.js version/, () => 'installed for another Node.js or Electron version: reinstall it'],
  [/GLIBC_[\d.]+' not found/, () => 'needs a newer system C library (glibc) than this machine has'],
  [/(lib(?:cuda|cudart|cudnn|cublas)[\w.+-]*\.so[\w.]*)/, (library) => `no usable CUDA installation (${library} could not be loaded)`],
  [/could not initiali[sz]e the (\w+) backend/, (name) => `TF.js could not start the ${name} backend on this machine`],
];

/** A dynamic loader's refusal, and the library it names (libtensorflow.so.2, tensorflow.dll). */
const NATIVE_LOAD = /cannot open shared object file|ERR_DLOPEN_FAILED|dlopen|Library not loaded|specified module could not be found/i;
const LIBRARY = /([\w+-]+(?:\.[\w+-]+)*\.(?:so(?:\.\d+)*|dll|dylib))(?![\w.])/;

/** The longest one-line reason shown when no known cause matches (the full text is in the disclosure). */
const MAX_LENGTH = 100;

export function backendSkipReason(error: string): string {
  for (const [pattern, describe] of REASONS) {
    const match = pattern.exec(error);
    if (match !== null) return describe(...match.slice(1).map((group) => group ?? ''));
  }
  if (NATIVE_LOAD.test(error)) {
    const library = LIBRARY.exec(error)?.[1];
    return library === undefined ? 'its native library could not be loaded' : `a native library could not be loaded (${library})`;
  }
  const first = (error.split('\n')[0] ?? '').trim();
  if (first === '') return 'it could not be loaded';
  return first.length > MAX_LENGTH ? `${first.slice(0, MAX_LENGTH - 1)}…` : first;
}
