/**
 * Gradient kernels the wasm backend lacks (Conv2DBackpropFilter, the depthwise backprops),
 * built from kernels it has. Placeholder: registers nothing yet.
 */
export function registerWasmGradientKernels(): void {}
