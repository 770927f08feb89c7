/**
 * Where tfjs-webgpu 4.22's kernels differ from TensorFlow's (the cpu backend's) for what the studio trains,
 * the studio registers its own, as it does for wasm (app/engine/wasmGradientKernels.ts);
 * test/engine/gradientKernels.test.ts proves each against cpu. No Node import here: the desktop's GPU host
 * (Chromium's WebGPU) registers the same kernels as Dawn's route.
 *
 * - MaxPoolGrad: tfjs-webgpu sends each window's gradient to its *last* maximum (`value >= max` while it
 *   scans); TensorFlow, the cpu and wasm backends and PyTorch send it to the first. Windows with ties are
 *   common (a ReLU's zeros, quantised inputs), so the trajectories differ. Here the positions are the first
 *   maximum's, and the backprop adds dy where a window's chosen tap is the input element.
 * - DepthwiseConv2dNativeBackpropInput with dilations > 1 gives wrong values there; no model the studio
 *   builds is dilated (the model spec has no dilation), so it is refused loudly rather than wrong silently.
 */
import * as tf from '@tensorflow/tfjs-core';
// types only: tfjs-webgpu itself is imported once navigator.gpu exists (webgpuDevice.ts), which hands its helpers in
import type { WebGPUBackend, WebGPUProgram, webgpu_util as WebGpuUtil } from '@tensorflow/tfjs-backend-webgpu';

let webgpu_util: typeof WebGpuUtil;

type Pool2DInfo = tf.backend_util.Conv2DInfo;

function flatProgram(outputShape: number[], shaderKey: string, variableNames: string[], uniforms: string, body: string): WebGPUProgram {
  const dispatchLayout = webgpu_util.flatDispatchLayout(outputShape);
  const workgroupSize: [number, number, number] = [64, 1, 1];
  return {
    outputShape,
    shaderKey,
    variableNames,
    uniforms,
    workgroupSize,
    dispatchLayout,
    dispatch: webgpu_util.computeDispatch(dispatchLayout, outputShape, workgroupSize),
    size: true,
    // tfjs-webgpu wraps this with the bindings, the uniforms and get<Name>/getCoordsFromIndex helpers
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          ${body}
        }
      }`,
  };
}

/** For each output of the pool: the tap (wR·filterWidth + wC) of its window's first maximum. */
function firstMaxPositions(info: Pool2DInfo): WebGPUProgram {
  return flatProgram(
    info.outShape,
    'fsam_firstMaxPositions',
    ['x'],
    'strides : vec2<i32>, pads : vec2<i32>, inDims : vec2<i32>, filterDims : vec2<i32>,',
    `let batch = coords[0];
          let d = coords[3];
          let corner = vec2<i32>(coords.yz) * uniforms.strides - uniforms.pads;
          var best = 0.0;
          var found = false;
          var position = 0;
          for (var wR = 0; wR < uniforms.filterDims.x; wR++) {
            let xR = corner.x + wR;
            if (xR < 0 || xR >= uniforms.inDims.x) { continue; }
            for (var wC = 0; wC < uniforms.filterDims.y; wC++) {
              let xC = corner.y + wC;
              if (xC < 0 || xC >= uniforms.inDims.y) { continue; }
              let value = getX(batch, xR, xC, d);
              // strictly greater: a later equal value does not take the place of the first
              if (!found || value > best) {
                best = value;
                found = true;
                position = wR * uniforms.filterDims.y + wC;
              }
            }
          }
          setOutputAtIndexI32(index, position);`,
  );
}

/** dx[b, xR, xC, d] = Σ dy over the windows that contain (xR, xC) and chose it. */
function maxPoolBackprop(info: Pool2DInfo): WebGPUProgram {
  return flatProgram(
    info.inShape,
    'fsam_maxPoolBackpropFirst',
    ['dy', 'positions'],
    'strides : vec2<i32>, pads : vec2<i32>, outDims : vec2<i32>, filterDims : vec2<i32>,',
    `let batch = coords[0];
          let d = coords[3];
          var sum = 0.0;
          for (var wR = 0; wR < uniforms.filterDims.x; wR++) {
            let rows = coords[1] + uniforms.pads.x - wR;
            if (rows < 0 || rows % uniforms.strides.x != 0) { continue; }
            let yR = rows / uniforms.strides.x;
            if (yR >= uniforms.outDims.x) { continue; }
            for (var wC = 0; wC < uniforms.filterDims.y; wC++) {
              let columns = coords[2] + uniforms.pads.y - wC;
              if (columns < 0 || columns % uniforms.strides.y != 0) { continue; }
              let yC = columns / uniforms.strides.y;
              if (yC >= uniforms.outDims.y) { continue; }
              if (i32(getPositions(batch, yR, yC, d)) == wR * uniforms.filterDims.y + wC) {
                sum += getDy(batch, yR, yC, d);
              }
            }
          }
          setOutputAtIndex(index, sum);`,
  );
}

const maxPoolGrad: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as unknown as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const gpu = backend as unknown as WebGPUBackend;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const geometry = (dims: [number, number]) => [
    { type: 'int32', data: [info.strideHeight, info.strideWidth] },
    { type: 'int32', data: [info.padInfo.top, info.padInfo.left] },
    { type: 'int32', data: dims },
    { type: 'int32', data: [info.filterHeight, info.filterWidth] },
  ];
  const positions = gpu.runWebGPUProgram(firstMaxPositions(info), [input], 'int32', geometry([info.inHeight, info.inWidth]));
  try {
    return gpu.runWebGPUProgram(maxPoolBackprop(info), [dy, positions], input.dtype, geometry([info.outHeight, info.outWidth]));
  } finally {
    gpu.disposeData(positions.dataId);
  }
};

let originalDepthwiseInput: tf.KernelConfig | undefined;

/** Replaces the webgpu kernels above (idempotent); `util` is tfjs-webgpu's webgpu_util, from the loaded package. */
export function registerWebGpuKernels(util: typeof WebGpuUtil): void {
  webgpu_util = util;
  const pool = tf.getKernel('MaxPoolGrad', 'webgpu');
  if (pool) tf.unregisterKernel('MaxPoolGrad', 'webgpu');
  tf.registerKernel({ kernelName: 'MaxPoolGrad', backendName: 'webgpu', kernelFunc: maxPoolGrad });

  originalDepthwiseInput ??= tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'webgpu');
  const original = originalDepthwiseInput;
  if (!original) return;
  tf.unregisterKernel('DepthwiseConv2dNativeBackpropInput', 'webgpu');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const dilations = (args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs).dilations;
      const dilated = (typeof dilations === 'number' ? [dilations] : dilations).some((d) => d !== 1);
      if (dilated) throw new Error('DepthwiseConv2dNativeBackpropInput with dilations > 1 is wrong on tfjs-webgpu 4.22; train dilated models on wasm or cpu');
      return original.kernelFunc(args);
    },
  });
}
