import type { ParamStore } from '../param-store.js';
import { Conv2d } from './conv.js';

/** CompressAI's conv1x1(in, out, stride): nn.Conv2d, kernel 1, no padding. */
export function conv1x1(store: ParamStore, key: string, inC: number, outC: number, stride = 1, rand?: () => number): Conv2d {
  return new Conv2d(store, key, inC, outC, 1, stride, rand);
}
