import type { ParamStore } from '../param-store.js';
import { Conv2d } from './conv.js';

/** CompressAI's conv3x3(in, out, stride): nn.Conv2d, kernel 3, padding 1 on every side. */
export function conv3x3(store: ParamStore, key: string, inC: number, outC: number, stride = 1, rand?: () => number): Conv2d {
  return new Conv2d(store, key, inC, outC, 3, stride, rand);
}
