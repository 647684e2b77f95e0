import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertWeightsMatch, crc32, decodeContainer, encodeContainer, type ContainerContents } from '../../src/codec/container.js';
import { BitstreamError } from '../../src/errors.js';

const HASH = '737bf1befb05fe3fbe0cc5554037751a14d9030c3d769d14a25ee1048c21d61e';

function sample(): ContainerContents {
  return {
    arch: 'bmshj2018-hyperprior',
    quality: 3,
    N: 128,
    M: 192,
    weightsHash: HASH,
    width: 768,
    height: 512,
    latentShapes: [[192, 32, 48], [128, 8, 12]],
    streams: [Uint8Array.from({ length: 40 }, (_, i) => (i * 37) & 255), Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])],
    extras: { transform: { kind: 'jpeg', quality: 90 } },
  };
}

test('container: crc32 matches the standard check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('container: round trip, with and without extras and streams', () => {
  const c = sample();
  const back = decodeContainer(encodeContainer(c));
  assert.deepEqual(back, { ...c, weightsHash: HASH.slice(0, 32) });
  const bare = { ...sample(), extras: undefined, streams: [], latentShapes: [] };
  delete bare.extras;
  assert.deepEqual(decodeContainer(encodeContainer(bare)), { ...bare, weightsHash: HASH.slice(0, 32) });
});

test('container: every single-byte corruption is detected', () => {
  const bytes = encodeContainer(sample());
  for (let i = 0; i < bytes.length; i++) {
    for (const flip of [0x01, 0x80, 0xff]) {
      const bad = bytes.slice();
      bad[i] ^= flip;
      assert.throws(() => decodeContainer(bad), BitstreamError, `byte ${i} ^ ${flip}`);
    }
  }
});

test('container: truncation at every length is refused; bad magic and version named', () => {
  const bytes = encodeContainer(sample());
  for (let n = 0; n < bytes.length; n++) assert.throws(() => decodeContainer(bytes.subarray(0, n)), BitstreamError, `length ${n}`);
  const wrongMagic = bytes.slice();
  wrongMagic[0] = 0x58;
  assert.throws(() => decodeContainer(wrongMagic), /magic/);
  const wrongVersion = bytes.slice();
  wrongVersion[4] = 9;
  assert.throws(() => decodeContainer(wrongVersion), /version 9/);
  assert.throws(() => decodeContainer(Uint8Array.of(...bytes, 0)), BitstreamError);
});

test('container: wrong weights are refused, naming both hashes', () => {
  const c = decodeContainer(encodeContainer(sample()));
  assertWeightsMatch(c, HASH);
  assertWeightsMatch(c, HASH.slice(0, 32));
  const other = 'ab'.repeat(32);
  assert.throws(() => assertWeightsMatch(c, other), (e: Error) => e instanceof BitstreamError && e.message.includes(HASH.slice(0, 32)) && e.message.includes(other.slice(0, 32)));
  assert.throws(() => encodeContainer({ ...sample(), weightsHash: 'xyz' }), BitstreamError);
});
