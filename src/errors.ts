/**
 * Typed errors. Every failure a user can cause (bad image, bad weights, bad spec, corrupt
 * bitstream, ...) is an AdvlicError with a stable `code`, an actionable one-line message and
 * an exit code; the CLI catches them once at the boundary (src/cli/main.ts).
 */
export type ErrorCode =
  | 'E_USAGE'
  | 'E_IMAGE_READ'
  | 'E_IMAGE_SIZE'
  | 'E_IMAGE_SHAPE'
  | 'E_WEIGHTS_FORMAT'
  | 'E_WEIGHTS_MISMATCH'
  | 'E_MODEL_UNKNOWN'
  | 'E_BITSTREAM'
  | 'E_ENGINE_UNAVAILABLE'
  | 'E_CONFIG'
  | 'E_TOOL_MISSING'
  | 'E_CODEC'
  | 'E_CHECKPOINT'
  | 'E_STORE'
  | 'E_INTERNAL';

const BRAND = Symbol.for('advlic.error');

export class AdvlicError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = options.exitCode ?? (code === 'E_USAGE' || code === 'E_CONFIG' ? 2 : 1);
  }

  static is(value: unknown): value is AdvlicError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}
Object.defineProperty(AdvlicError.prototype, 'name', { value: 'AdvlicError', enumerable: false });

function subclass(name: string, code: ErrorCode) {
  const C = class extends AdvlicError {
    constructor(message: string, options: { cause?: unknown; exitCode?: number } = {}) {
      super(code, message, options);
    }
  };
  Object.defineProperty(C.prototype, 'name', { value: name, enumerable: false });
  Object.defineProperty(C, 'name', { value: name });
  return C;
}

export const UsageError = subclass('UsageError', 'E_USAGE');
export const ImageReadError = subclass('ImageReadError', 'E_IMAGE_READ');
export const ImageSizeError = subclass('ImageSizeError', 'E_IMAGE_SIZE');
export const ImageShapeError = subclass('ImageShapeError', 'E_IMAGE_SHAPE');
export const WeightsFormatError = subclass('WeightsFormatError', 'E_WEIGHTS_FORMAT');
export const WeightsMismatchError = subclass('WeightsMismatchError', 'E_WEIGHTS_MISMATCH');
export const UnknownModelError = subclass('UnknownModelError', 'E_MODEL_UNKNOWN');
export const BitstreamError = subclass('BitstreamError', 'E_BITSTREAM');
export const EngineUnavailableError = subclass('EngineUnavailableError', 'E_ENGINE_UNAVAILABLE');
export const ConfigError = subclass('ConfigError', 'E_CONFIG');
export const ToolMissingError = subclass('ToolMissingError', 'E_TOOL_MISSING');
export const CodecError = subclass('CodecError', 'E_CODEC');
export const CheckpointError = subclass('CheckpointError', 'E_CHECKPOINT');
export const StoreError = subclass('StoreError', 'E_STORE');
