/** Needs declared once: the table names every need the registry accepts, and gating reads it. */
import { strict as assert } from 'node:assert';
import { gate, NAMED_NEEDS, unmet } from '../../harness/needs.js';
import type { DeviceFacts } from '../../harness/probe.js';
import type { TestDef } from '../../harness/registry.js';

// A device with nothing: not SBC, no capacity, no VPD pages.
const bare = { sbc: false, deviceType: 5, blockSize: 0, blocks: 0, problems: ['READ CAPACITY (10): no answer'], rsoc: undefined } as unknown as DeviceFacts;
const flags = { dataloss: false, sanitize: false, chap: false };

describe('needs: one table', () => {
  it('every named need the device or the command line lacks has a skip reason, and none is left undecided', () => {
    for (const [name, def] of Object.entries(NAMED_NEEDS)) {
      const why = unmet(name as keyof typeof NAMED_NEEDS, bare, flags);
      if (name === 'twoInitiators' || name === 'writable') assert.equal(why, undefined, name);
      else assert.ok(why && why.length > 10, `${name} (${def.by}) gives no reason`);
    }
  });

  it("the command line's needs are reported before the device's", () => {
    const t = { needs: ['sbc', 'capacity', 'chap', 'dataloss'] } as unknown as TestDef;
    assert.equal(gate(t, bare, flags), 'no CHAP credentials in the URL');
    assert.equal(gate(t, bare, { ...flags, chap: true }), '--dataloss not given');
    assert.match(gate(t, bare, { ...flags, chap: true, dataloss: true })!, /not a direct-access block device/);
  });
});
