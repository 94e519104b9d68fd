import { createRequire } from 'node:module';

/** The native TensorFlow bindings, best first; both are optional dependencies that download libtensorflow. */
export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export interface NativeBinding {
  packageName: (typeof TENSORFLOW_PACKAGES)[number];
  /** libtensorflow version reported by the binding, when it reports one. */
  tensorflowVersion: string | null;
}

/**
 * Imports the first native binding that loads (it registers the `tensorflow` backend as a side effect).
 * Returns null when neither is installed or loadable (e.g. the GPU build without CUDA 11 libraries).
 */
export async function loadTensorflowBinding(): Promise<NativeBinding | null> {
  for (const packageName of TENSORFLOW_PACKAGES) {
    try {
      // A variable specifier: the package is optional, so bundlers and vite must not try to resolve it.
      const mod = (await import(/* @vite-ignore */ packageName)) as { version?: Record<string, string> };
      return { packageName, tensorflowVersion: mod.version?.['tensorflow'] ?? null };
    } catch {
      // Not installed, or its native library failed to load: try the next one.
    }
  }
  return null;
}

/** Whether npm installed `pkg` (resolvable from here), without loading it. */
export function isInstalled(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
