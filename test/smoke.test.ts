import { strict as assert } from 'node:assert';

describe('skeleton', () => {
  it('runs', () => assert.equal(1 + 1, 2));
});
