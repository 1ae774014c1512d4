/**
 * The key table and the Negotiator (RFC 7143 6.2, 12, 13), as a table of cases for both roles. Each
 * case names the clause it checks. A case: a Negotiator with this side's `local` settings, optional
 * offers of ours, one or more batches received from the peer; then the replies we send, the fatal
 * issue if any (the target must reject the login, the initiator drop the connection), the non-fatal
 * issues, and the values in force.
 */
import { strict as assert } from 'node:assert';
import { defaultParams, KEYS, keyDef, KeyValue, Negotiator, parseNumber, Phase, Role, SessionParams } from '../../../protocol/iscsi/index.js';

interface Case {
  name: string;
  role: Role;
  session?: 'Normal' | 'Discovery';
  local?: Record<string, string>;
  phase?: Phase;
  /** Our offers, sent before the peer's batches. */
  offer?: KeyValue[];
  /** What the peer sends, one array per PDU sequence. */
  receive: KeyValue[][];
  replies?: KeyValue[];
  auth?: KeyValue[];
  /** Key of the expected fatal issue. */
  fatal?: string;
  /** Keys of the expected non-fatal issues. */
  issues?: string[];
  /** Values expected in force afterwards (undefined: not negotiated). */
  values?: Record<string, string | undefined>;
  /** The peer's own declarations expected afterwards (keys each side declares for itself). */
  declared?: Record<string, string | undefined>;
  params?: Partial<SessionParams>;
  pending?: string[];
}

const cases: Case[] = [];
const T = 'target' as const;
const I = 'initiator' as const;
const one = (k: string, v: string): KeyValue[][] => [[[k, v]]];

// ---- responder side: list keys (6.2.1) -----------------------------------------------------------
cases.push(
  {
    name: "6.2.1 list: the first of the originator's values the responder supports (originator order wins)",
    role: T,
    local: { HeaderDigest: 'None,CRC32C' },
    receive: one('HeaderDigest', 'CRC32C,None'),
    replies: [['HeaderDigest', 'CRC32C']],
    values: { HeaderDigest: 'CRC32C' },
    params: { headerDigest: true },
  },
  {
    name: '6.2.1 list: the responder supporting only None answers None',
    role: T,
    local: { DataDigest: 'None' },
    receive: one('DataDigest', 'CRC32C,None'),
    replies: [['DataDigest', 'None']],
    params: { dataDigest: false },
  },
  {
    name: '13.1 list: without a local setting the responder supports the default (None)',
    role: I,
    receive: one('HeaderDigest', 'CRC32C,None'),
    replies: [['HeaderDigest', 'None']],
  },
  {
    name: '6.2.1 list: none of the offered values acceptable -> Reject',
    role: T,
    local: { HeaderDigest: 'None' },
    receive: one('HeaderDigest', 'CRC32C'),
    replies: [['HeaderDigest', 'Reject']],
    issues: ['HeaderDigest'],
    values: { HeaderDigest: undefined },
  },
  {
    name: '6.2.1 list: values the responder does not know are skipped',
    role: T,
    local: { DataDigest: 'CRC32C' },
    receive: one('DataDigest', 'MD5,CRC32C'),
    replies: [['DataDigest', 'CRC32C']],
  },
  {
    name: '12.1 AuthMethod in the security stage: first supported of the offer',
    role: T,
    phase: 'security',
    local: { AuthMethod: 'CHAP' },
    receive: one('AuthMethod', 'SRP,CHAP,None'),
    replies: [['AuthMethod', 'CHAP']],
    params: { authMethod: 'CHAP' },
  },
  {
    name: '13.23 TaskReporting list',
    role: T,
    local: { TaskReporting: 'RFC3720,ResponseFence' },
    receive: one('TaskReporting', 'FastAbort,ResponseFence,RFC3720'),
    replies: [['TaskReporting', 'ResponseFence']],
    params: { taskReporting: 'ResponseFence' },
  },
);

// ---- responder side: numeric (6.2.2) -------------------------------------------------------------
cases.push(
  {
    name: '13.13 MaxBurstLength min(): offer above our limit -> our limit',
    role: T,
    local: { MaxBurstLength: '262144' },
    receive: one('MaxBurstLength', '1048576'),
    replies: [['MaxBurstLength', '262144']],
    params: { maxBurstLength: 262144 },
  },
  {
    name: '13.13 MaxBurstLength min(): offer below our limit -> the offer',
    role: T,
    local: { MaxBurstLength: '262144' },
    receive: one('MaxBurstLength', '4096'),
    replies: [['MaxBurstLength', '4096']],
    params: { maxBurstLength: 4096 },
  },
  {
    name: '13.13 MaxBurstLength min() with no local setting uses the default 262144',
    role: T,
    receive: one('MaxBurstLength', '16777215'),
    replies: [['MaxBurstLength', '262144']],
  },
  {
    name: '6.1 numerical values in hex (0x1000) are understood',
    role: T,
    local: { MaxBurstLength: '65536' },
    receive: one('MaxBurstLength', '0x1000'),
    replies: [['MaxBurstLength', '4096']],
  },
  {
    name: '13.15 DefaultTime2Wait max(): offer below ours -> ours',
    role: T,
    local: { DefaultTime2Wait: '5' },
    receive: one('DefaultTime2Wait', '1'),
    replies: [['DefaultTime2Wait', '5']],
    params: { defaultTime2Wait: 5 },
  },
  {
    name: '13.15 DefaultTime2Wait max(): offer above ours -> the offer',
    role: I,
    local: { DefaultTime2Wait: '2' },
    receive: one('DefaultTime2Wait', '10'),
    replies: [['DefaultTime2Wait', '10']],
    params: { defaultTime2Wait: 10 },
  },
  {
    name: '13.16 DefaultTime2Retain min()',
    role: T,
    local: { DefaultTime2Retain: '20' },
    receive: one('DefaultTime2Retain', '0'),
    replies: [['DefaultTime2Retain', '0']],
    params: { defaultTime2Retain: 0 },
  },
  {
    name: '13.20 ErrorRecoveryLevel min()',
    role: T,
    local: { ErrorRecoveryLevel: '0' },
    receive: one('ErrorRecoveryLevel', '2'),
    replies: [['ErrorRecoveryLevel', '0']],
    params: { errorRecoveryLevel: 0 },
  },
  {
    name: '13.2 MaxConnections min()',
    role: T,
    local: { MaxConnections: '4' },
    receive: one('MaxConnections', '8'),
    replies: [['MaxConnections', '4']],
    params: { maxConnections: 4 },
  },
  {
    name: '13.17 MaxOutstandingR2T min()',
    role: T,
    local: { MaxOutstandingR2T: '16' },
    receive: one('MaxOutstandingR2T', '4'),
    replies: [['MaxOutstandingR2T', '4']],
    params: { maxOutstandingR2T: 4 },
  },
);

// ---- responder side: boolean (6.2.2) -------------------------------------------------------------
cases.push(
  {
    name: '13.11 ImmediateData AND: Yes and Yes -> Yes',
    role: T,
    local: { ImmediateData: 'Yes' },
    receive: one('ImmediateData', 'Yes'),
    replies: [['ImmediateData', 'Yes']],
    params: { immediateData: true },
  },
  {
    name: '13.11 ImmediateData AND: Yes and our No -> No',
    role: T,
    local: { ImmediateData: 'No' },
    receive: one('ImmediateData', 'Yes'),
    replies: [['ImmediateData', 'No']],
    params: { immediateData: false },
  },
  {
    name: '6.2.2 ImmediateData AND offered No: the result is fixed No whatever we support',
    role: T,
    local: { ImmediateData: 'Yes' },
    receive: one('ImmediateData', 'No'),
    replies: [['ImmediateData', 'No']],
    params: { immediateData: false },
  },
  {
    name: '13.10 InitialR2T OR: No and No -> No',
    role: T,
    local: { InitialR2T: 'No' },
    receive: one('InitialR2T', 'No'),
    replies: [['InitialR2T', 'No']],
    params: { initialR2T: false },
  },
  {
    name: '13.10 InitialR2T OR: No and our Yes -> Yes',
    role: T,
    local: { InitialR2T: 'Yes' },
    receive: one('InitialR2T', 'No'),
    replies: [['InitialR2T', 'Yes']],
    params: { initialR2T: true },
  },
  {
    name: '6.2.2 InitialR2T OR offered Yes: the result is fixed Yes whatever we support',
    role: T,
    local: { InitialR2T: 'No' },
    receive: one('InitialR2T', 'Yes'),
    replies: [['InitialR2T', 'Yes']],
    params: { initialR2T: true },
  },
  {
    name: '13.18/13.19 DataPDUInOrder and DataSequenceInOrder OR: No and No -> No',
    role: T,
    local: { DataPDUInOrder: 'No', DataSequenceInOrder: 'No' },
    receive: [
      [
        ['DataPDUInOrder', 'No'],
        ['DataSequenceInOrder', 'No'],
      ],
    ],
    replies: [
      ['DataPDUInOrder', 'No'],
      ['DataSequenceInOrder', 'No'],
    ],
    params: { dataPDUInOrder: false, dataSequenceInOrder: false },
  },
);

// ---- responder side: out-of-range and malformed values -> Reject -----------------------------------
for (const [k, v] of [
  ['MaxBurstLength', '511'],
  ['MaxBurstLength', '16777216'],
  ['FirstBurstLength', '0'],
  ['DefaultTime2Wait', '3601'],
  ['DefaultTime2Retain', '99999'],
  ['ErrorRecoveryLevel', '3'],
  ['MaxConnections', '0'],
  ['MaxConnections', '65536'],
  ['MaxOutstandingR2T', '0'],
] as const) {
  cases.push({
    name: `13 ${k}=${v} is out of range -> Reject`,
    role: T,
    receive: one(k, v),
    replies: [[k, 'Reject']],
    issues: [k],
    values: { [k]: undefined },
  });
}
for (const [k, v] of [
  ['MaxBurstLength', 'abc'],
  ['MaxBurstLength', ''],
  ['MaxBurstLength', '-1'],
  ['MaxBurstLength', '1e5'],
  ['MaxBurstLength', '0x'],
  ['MaxBurstLength', '65536,8192'],
  ['ImmediateData', 'yes'],
  ['ImmediateData', 'maybe'],
  ['InitialR2T', ''],
] as const) {
  cases.push({ name: `6.1/6.2 ${k}="${v}" is malformed -> Reject`, role: T, receive: one(k, v), replies: [[k, 'Reject']], issues: [k] });
}

// ---- responder side: NotUnderstood, Irrelevant, obsolete keys ------------------------------------
cases.push(
  { name: '6.2 an unknown key -> NotUnderstood', role: T, receive: one('FooBar', '1'), replies: [['FooBar', 'NotUnderstood']] },
  { name: '13.22 a private X- key -> NotUnderstood', role: T, receive: one('X-com.example.Key', 'v'), replies: [['X-com.example.Key', 'NotUnderstood']] },
  {
    name: '13.22 a public X# extension key no RFC defines -> NotUnderstood',
    role: I,
    receive: one('X#com.example.Unknown', 'v'),
    replies: [['X#com.example.Unknown', 'NotUnderstood']],
  },
  { name: '13.25 obsolete IFMarker -> Reject', role: T, receive: one('IFMarker', 'No'), replies: [['IFMarker', 'Reject']] },
  { name: '13.25 obsolete OFMarker -> Reject', role: I, receive: one('OFMarker', 'Yes'), replies: [['OFMarker', 'Reject']] },
  {
    name: '13.25 obsolete OFMarkInt and IFMarkInt -> Reject',
    role: T,
    receive: [
      [
        ['OFMarkInt', '2048'],
        ['IFMarkInt', '1~65535'],
      ],
    ],
    replies: [
      ['OFMarkInt', 'Reject'],
      ['IFMarkInt', 'Reject'],
    ],
  },
);
for (const k of [
  'MaxConnections',
  'InitialR2T',
  'ImmediateData',
  'MaxBurstLength',
  'FirstBurstLength',
  'MaxOutstandingR2T',
  'DataPDUInOrder',
  'DataSequenceInOrder',
]) {
  const v = keyDef(k)!.default!;
  cases.push({
    name: `13 "Irrelevant when: SessionType=Discovery": ${k} -> Irrelevant`,
    role: T,
    session: 'Discovery',
    receive: one(k, v),
    replies: [[k, 'Irrelevant']],
  });
}
cases.push(
  {
    name: '13.21 SessionType=Discovery declared earlier in the same text makes MaxBurstLength Irrelevant',
    role: T,
    receive: [
      [
        ['SessionType', 'Discovery'],
        ['MaxBurstLength', '65536'],
      ],
    ],
    replies: [['MaxBurstLength', 'Irrelevant']],
    params: { sessionType: 'Discovery' },
  },
  {
    name: '13.1/13.15 HeaderDigest and DefaultTime2Wait are negotiated in a Discovery session too',
    role: T,
    session: 'Discovery',
    local: { HeaderDigest: 'CRC32C,None' },
    receive: [
      [
        ['HeaderDigest', 'CRC32C'],
        ['DefaultTime2Wait', '3'],
      ],
    ],
    replies: [
      ['HeaderDigest', 'CRC32C'],
      ['DefaultTime2Wait', '3'],
    ],
  },
);

// ---- responder side: repetition, stages, senders, declarations --------------------------------------
cases.push(
  {
    name: '6.2 a key sent twice in one text -> fatal',
    role: T,
    receive: [
      [
        ['MaxBurstLength', '65536'],
        ['MaxBurstLength', '8192'],
      ],
    ],
    replies: [['MaxBurstLength', '65536']],
    fatal: 'MaxBurstLength',
  },
  {
    name: '6.2 a key renegotiated in a later PDU of the same login -> fatal',
    role: T,
    receive: [[['ImmediateData', 'Yes']], [['ImmediateData', 'No']]],
    replies: [['ImmediateData', 'Yes']],
    fatal: 'ImmediateData',
  },
  { name: '6.2 a declaration repeated -> fatal', role: T, receive: [[['InitiatorName', 'iqn.a']], [['InitiatorName', 'iqn.b']]], fatal: 'InitiatorName' },
  {
    name: '13.8 TargetAddress may be repeated (SendTargets answer)',
    role: I,
    phase: 'ffp',
    receive: [
      [
        ['TargetName', 'iqn.t'],
        ['TargetAddress', '10.0.0.1:3260,1'],
        ['TargetAddress', '[2001:db8::1]:3260,1'],
      ],
    ],
    replies: [],
  },
  { name: '6.2 the reserved constant Reject offered as a value -> fatal', role: T, receive: one('MaxBurstLength', 'Reject'), fatal: 'MaxBurstLength' },
  { name: '6.2 the reserved constant Irrelevant offered as a value -> fatal', role: I, receive: one('ImmediateData', 'Irrelevant'), fatal: 'ImmediateData' },
  {
    name: '6.2 the reserved constant NotUnderstood offered as a value -> fatal',
    role: T,
    receive: one('HeaderDigest', 'NotUnderstood'),
    fatal: 'HeaderDigest',
  },
  {
    name: '12.1.3 CHAP_A in the security stage goes to the authentication, no reply',
    role: T,
    phase: 'security',
    receive: one('CHAP_A', '5,7'),
    replies: [],
    auth: [['CHAP_A', '5,7']],
  },
  { name: '6.3.2/12 CHAP_A outside the security stage -> fatal', role: T, phase: 'operational', receive: one('CHAP_A', '5'), fatal: 'CHAP_A', auth: [] },
  { name: '6.3.2/12 CHAP_N in full feature phase -> fatal', role: I, phase: 'ffp', receive: one('CHAP_N', 'user'), fatal: 'CHAP_N' },
  { name: '12 AuthMethod in the operational stage -> fatal', role: T, phase: 'operational', receive: one('AuthMethod', 'None'), fatal: 'AuthMethod' },
  {
    name: '13.13 "Use: LO": MaxBurstLength in full feature phase -> Reject',
    role: T,
    phase: 'ffp',
    receive: one('MaxBurstLength', '65536'),
    replies: [['MaxBurstLength', 'Reject']],
    issues: ['MaxBurstLength'],
    values: { MaxBurstLength: undefined },
  },
  {
    name: '13.1 "Use: IO": HeaderDigest in full feature phase -> Reject',
    role: I,
    phase: 'ffp',
    receive: one('HeaderDigest', 'None'),
    replies: [['HeaderDigest', 'Reject']],
    issues: ['HeaderDigest'],
  },
  {
    name: '13.12 "Use: ALL": MaxRecvDataSegmentLength declared in full feature phase is taken',
    role: T,
    phase: 'ffp',
    receive: one('MaxRecvDataSegmentLength', '16384'),
    replies: [],
    params: { maxSendDataSegmentLength: 16384 },
  },
  {
    name: '13.3 "Use: FFPO": SendTargets during login -> Reject',
    role: T,
    phase: 'operational',
    receive: one('SendTargets', 'All'),
    replies: [['SendTargets', 'Reject']],
    issues: ['SendTargets'],
  },
  {
    name: '13.3 SendTargets in full feature phase is a declaration for the target to act on (no reply)',
    role: T,
    phase: 'ffp',
    receive: one('SendTargets', 'All'),
    replies: [],
    values: { SendTargets: 'All' },
  },
  {
    name: '13.6 "Senders: Target": TargetAlias from the initiator -> Reject',
    role: T,
    receive: one('TargetAlias', 'x'),
    replies: [['TargetAlias', 'Reject']],
    issues: ['TargetAlias'],
  },
  {
    name: '13.5 "Senders: Initiator": InitiatorName from the target -> Reject',
    role: I,
    receive: one('InitiatorName', 'iqn.x'),
    replies: [['InitiatorName', 'Reject']],
    issues: ['InitiatorName'],
  },
  {
    name: '13.5/13.7/13.21 declarations of the initiator are taken without reply',
    role: T,
    receive: [
      [
        ['InitiatorName', 'iqn.2024-01.org.example:i'],
        ['InitiatorAlias', 'host1'],
        ['SessionType', 'Normal'],
      ],
    ],
    replies: [],
    params: { initiatorName: 'iqn.2024-01.org.example:i', initiatorAlias: 'host1', sessionType: 'Normal' },
  },
  { name: '13.21 SessionType with a value not in {Discovery, Normal} -> fatal', role: T, receive: one('SessionType', 'Bogus'), fatal: 'SessionType' },
  {
    name: '13.4/13.6/13.9 declarations of the target are taken without reply',
    role: I,
    receive: [
      [
        ['TargetName', 'iqn.t'],
        ['TargetAlias', 'disk'],
        ['TargetPortalGroupTag', '1'],
      ],
    ],
    replies: [],
    params: { targetName: 'iqn.t', targetAlias: 'disk', targetPortalGroupTag: 1 },
  },
  { name: '13.9 TargetPortalGroupTag out of 0..65535 -> fatal', role: I, receive: one('TargetPortalGroupTag', '65536'), fatal: 'TargetPortalGroupTag' },
  {
    name: '13.12 MaxRecvDataSegmentLength declared by the peer bounds what we send',
    role: I,
    receive: one('MaxRecvDataSegmentLength', '65536'),
    replies: [],
    params: { maxSendDataSegmentLength: 65536, maxRecvDataSegmentLength: 8192 },
  },
  {
    name: '13.12 MaxRecvDataSegmentLength=511 (below 512) -> fatal',
    role: T,
    receive: one('MaxRecvDataSegmentLength', '511'),
    fatal: 'MaxRecvDataSegmentLength',
  },
  { name: '13.12 MaxRecvDataSegmentLength=2^24 -> fatal', role: T, receive: one('MaxRecvDataSegmentLength', '16777216'), fatal: 'MaxRecvDataSegmentLength' },
  { name: '13.12 MaxRecvDataSegmentLength not a number -> fatal', role: I, receive: one('MaxRecvDataSegmentLength', 'big'), fatal: 'MaxRecvDataSegmentLength' },
);

// ---- originator side: checking the peer's answers ------------------------------------------------
cases.push(
  {
    name: '13.13 min(): MaxBurstLength answered below our offer is the result',
    role: I,
    offer: [['MaxBurstLength', '262144']],
    receive: one('MaxBurstLength', '65536'),
    params: { maxBurstLength: 65536 },
    pending: [],
  },
  {
    name: '13.13 min(): MaxBurstLength answered larger than offered -> fatal',
    role: I,
    offer: [['MaxBurstLength', '262144']],
    receive: one('MaxBurstLength', '524288'),
    fatal: 'MaxBurstLength',
    params: { maxBurstLength: 262144 },
  },
  {
    name: '13.15 max(): DefaultTime2Wait answered above our offer is the result',
    role: I,
    offer: [['DefaultTime2Wait', '2']],
    receive: one('DefaultTime2Wait', '5'),
    params: { defaultTime2Wait: 5 },
  },
  {
    name: '13.15 max(): DefaultTime2Wait answered below the offer -> fatal',
    role: T,
    offer: [['DefaultTime2Wait', '2']],
    receive: one('DefaultTime2Wait', '1'),
    fatal: 'DefaultTime2Wait',
  },
  {
    name: '13.11 AND: ImmediateData=Yes answered No is the result',
    role: I,
    offer: [['ImmediateData', 'Yes']],
    receive: one('ImmediateData', 'No'),
    params: { immediateData: false },
  },
  {
    name: '13.11 AND: ImmediateData=No answered Yes -> fatal',
    role: I,
    offer: [['ImmediateData', 'No']],
    receive: one('ImmediateData', 'Yes'),
    fatal: 'ImmediateData',
  },
  {
    name: '13.10 OR: InitialR2T=No answered Yes is the result',
    role: I,
    offer: [['InitialR2T', 'No']],
    receive: one('InitialR2T', 'Yes'),
    params: { initialR2T: true },
  },
  { name: '13.10 OR: InitialR2T=Yes answered No -> fatal', role: T, offer: [['InitialR2T', 'Yes']], receive: one('InitialR2T', 'No'), fatal: 'InitialR2T' },
  {
    name: '6.2.1 list: an answer among the offered values is the result',
    role: I,
    offer: [['HeaderDigest', 'CRC32C,None']],
    receive: one('HeaderDigest', 'CRC32C'),
    params: { headerDigest: true },
  },
  {
    name: '6.2.1 list: an answer not offered -> fatal',
    role: I,
    offer: [['HeaderDigest', 'None']],
    receive: one('HeaderDigest', 'CRC32C'),
    fatal: 'HeaderDigest',
    params: { headerDigest: false },
  },
  {
    name: '6.2.1 list: answering with a list -> fatal',
    role: I,
    offer: [['DataDigest', 'CRC32C,None']],
    receive: one('DataDigest', 'CRC32C,None'),
    fatal: 'DataDigest',
  },
  {
    name: '6.2.2 a numeric answer that is not a number -> fatal',
    role: I,
    offer: [['MaxOutstandingR2T', '4']],
    receive: one('MaxOutstandingR2T', 'lots'),
    fatal: 'MaxOutstandingR2T',
  },
  {
    name: '6.2.2 a numeric answer out of range -> fatal',
    role: I,
    offer: [['FirstBurstLength', '65536']],
    receive: one('FirstBurstLength', '100'),
    fatal: 'FirstBurstLength',
  },
  {
    name: '6.2.2 a boolean answer that is not Yes/No -> fatal',
    role: I,
    offer: [['DataPDUInOrder', 'No']],
    receive: one('DataPDUInOrder', 'maybe'),
    fatal: 'DataPDUInOrder',
  },
  {
    name: '6.2 NotUnderstood to a standard key is noted, not fatal',
    role: I,
    offer: [['MaxConnections', '1']],
    receive: one('MaxConnections', 'NotUnderstood'),
    issues: ['MaxConnections'],
    pending: [],
  },
  {
    name: '6.2 NotUnderstood to our X- key is expected',
    role: I,
    offer: [['X-com.example.Foo', '1']],
    receive: one('X-com.example.Foo', 'NotUnderstood'),
    issues: [],
  },
  {
    name: '6.2 Reject to our offer is noted and the default stays in force',
    role: I,
    offer: [['MaxBurstLength', '1048576']],
    receive: one('MaxBurstLength', 'Reject'),
    issues: ['MaxBurstLength'],
    params: { maxBurstLength: 262144 },
  },
  {
    name: '6.2 Irrelevant to our offer is accepted silently',
    role: I,
    offer: [['MaxBurstLength', '1048576']],
    receive: one('MaxBurstLength', 'Irrelevant'),
    issues: [],
    params: { maxBurstLength: 262144 },
  },
  {
    name: '6.2 an answer repeated -> fatal',
    role: I,
    offer: [['MaxBurstLength', '65536']],
    receive: [[['MaxBurstLength', '65536']], [['MaxBurstLength', '65536']]],
    fatal: 'MaxBurstLength',
  },
  {
    name: '6.2 an answer to our unknown (X-) key is taken as the value',
    role: I,
    offer: [['X-com.example.Foo', '1']],
    receive: one('X-com.example.Foo', '2'),
    values: { 'X-com.example.Foo': '2' },
  },
  {
    name: '6.2 a key we offered and the peer has not answered stays pending',
    role: I,
    offer: [
      ['MaxBurstLength', '65536'],
      ['InitiatorName', 'iqn.i'],
    ],
    receive: [[]],
    pending: ['MaxBurstLength'],
  },
  // RFC 7143 6.2.2: "the two cases in which answers are OPTIONAL are: the Boolean function is AND and
  // the value No is received ... the Boolean function is OR and the value Yes is received".
  {
    name: '6.2.2 ImmediateData=No offered, answer omitted (optional): the result is No, nothing pending',
    role: I,
    offer: [['ImmediateData', 'No']],
    receive: [[]],
    params: { immediateData: false },
    pending: [],
  },
  {
    name: '6.2.2 InitialR2T=Yes / DataPDUInOrder=Yes offered, answers omitted: results Yes, nothing pending',
    role: T,
    local: { InitialR2T: 'No' },
    offer: [
      ['InitialR2T', 'Yes'],
      ['DataPDUInOrder', 'Yes'],
    ],
    receive: [[]],
    params: { initialR2T: true, dataPDUInOrder: true },
    pending: [],
  },
  {
    name: '6.2.2 ImmediateData=No offered, the optional answer No still comes: taken, not a repeat',
    role: I,
    offer: [['ImmediateData', 'No']],
    receive: one('ImmediateData', 'No'),
    replies: [],
    params: { immediateData: false },
    pending: [],
  },
  {
    name: '6.2.2 ImmediateData=No offered, answered Yes later -> fatal all the same',
    role: I,
    offer: [['ImmediateData', 'No']],
    receive: [[], [['ImmediateData', 'Yes']]],
    fatal: 'ImmediateData',
    params: { immediateData: false },
  },
);

// ---- RFC 7143 13.26 X#NodeArchitecture -----------------------------------------------------------
// "Use: LO, Declarative / Senders: Initiator and Target / Scope: SW / X#NodeArchitecture=<list-of-values>
// / Default is None." "This key may be declared on a Discovery session or a Normal session." "The length
// of the key value (total length of the list-of-values) MUST NOT be greater than 255 bytes."
// "X#NodeArchitecture MUST NOT be redeclared during the Login Phase."
const NA = 'X#NodeArchitecture';
const RFC_EXAMPLE = 'ExampleOS/v1234,ExampleInc_SW_Initiator/1.05a';
const bytes255 = 'ExampleInc_HW_Initiator/4010,Firmware/' + 'x'.repeat(255 - 'ExampleInc_HW_Initiator/4010,Firmware/'.length);
cases.push(
  {
    name: "13.26 the initiator's X#NodeArchitecture is a declaration: the target takes it and answers nothing",
    role: T,
    receive: one(NA, RFC_EXAMPLE),
    replies: [],
    declared: { [NA]: RFC_EXAMPLE },
  },
  {
    name: "13.26 the target's X#NodeArchitecture (the RFC's third example) is a declaration: no answer",
    role: I,
    receive: one(NA, 'ExampleInc_SW_Initiator/2.1,CPU_Arch/i686'),
    replies: [],
    declared: { [NA]: 'ExampleInc_SW_Initiator/2.1,CPU_Arch/i686' },
  },
  {
    name: '13.26 declared in a Discovery session: taken (not Irrelevant)',
    role: T,
    session: 'Discovery',
    receive: one(NA, 'ExampleInc_HW_Initiator/4010,Firmware/2.0.0.5'),
    replies: [],
    declared: { [NA]: 'ExampleInc_HW_Initiator/4010,Firmware/2.0.0.5' },
  },
  { name: '13.26 a value of exactly 255 bytes is taken', role: T, receive: one(NA, bytes255), replies: [], declared: { [NA]: bytes255 } },
  {
    name: '13.26 a value of 256 bytes is malformed -> fatal, as other bad declarations',
    role: T,
    receive: one(NA, bytes255 + 'y'),
    fatal: NA,
    declared: { [NA]: undefined },
  },
  {
    name: '13.26 255 bytes counted in UTF-8, not characters: 128 two-byte characters (256 bytes) -> fatal',
    role: I,
    receive: one(NA, '\u00e9'.repeat(128)),
    fatal: NA,
  },
  { name: '13.26 redeclared during the Login Phase -> fatal', role: T, receive: [[[NA, RFC_EXAMPLE]], [[NA, RFC_EXAMPLE]]], fatal: NA },
  {
    name: '13.26 Use: LO: declared in full feature phase -> Reject',
    role: T,
    phase: 'ffp',
    receive: one(NA, RFC_EXAMPLE),
    replies: [[NA, 'Reject']],
    issues: [NA],
  },
  {
    name: '13.26 "MUST be prepared to handle the response of iSCSI nodes that do not understand the key": NotUnderstood to our declaration is no error',
    role: I,
    offer: [[NA, RFC_EXAMPLE]],
    receive: one(NA, 'NotUnderstood'),
    replies: [],
    issues: [],
    pending: [],
  },
);

// ---- RFC 7143 13.14 FirstBurstLength: "Irrelevant when: ( InitialR2T=Yes and ImmediateData=No )" -----
const FBL = 'FirstBurstLength';
cases.push(
  {
    name: '13.14 the initiator offers InitialR2T=Yes, ImmediateData=No, FirstBurstLength: the target answers FirstBurstLength=Irrelevant',
    role: T,
    receive: [
      [
        ['InitialR2T', 'Yes'],
        ['ImmediateData', 'No'],
        [FBL, '65536'],
      ],
    ],
    replies: [
      ['InitialR2T', 'Yes'],
      ['ImmediateData', 'No'],
      [FBL, 'Irrelevant'],
    ],
    values: { [FBL]: undefined },
    params: { initialR2T: true, immediateData: false },
  },
  {
    name: "13.14 ImmediateData=No by the target's own limit (AND) and InitialR2T=Yes by its own (OR): Irrelevant",
    role: T,
    local: { InitialR2T: 'Yes', ImmediateData: 'No' },
    receive: [
      [
        ['InitialR2T', 'No'],
        ['ImmediateData', 'Yes'],
        [FBL, '262144'],
      ],
    ],
    replies: [
      ['InitialR2T', 'Yes'],
      ['ImmediateData', 'No'],
      [FBL, 'Irrelevant'],
    ],
  },
  {
    name: '13.14 InitialR2T=Yes and ImmediateData=Yes: relevant (immediate data), negotiated by min()',
    role: T,
    local: { FirstBurstLength: '65536' },
    receive: [
      [
        ['InitialR2T', 'Yes'],
        ['ImmediateData', 'Yes'],
        [FBL, '262144'],
      ],
    ],
    replies: [
      ['InitialR2T', 'Yes'],
      ['ImmediateData', 'Yes'],
      [FBL, '65536'],
    ],
    params: { firstBurstLength: 65536 },
  },
  {
    name: '13.14 InitialR2T=No and ImmediateData=No: relevant (unsolicited Data-Out), negotiated by min()',
    role: T,
    local: { InitialR2T: 'No', FirstBurstLength: '65536' },
    receive: [
      [
        ['InitialR2T', 'No'],
        ['ImmediateData', 'No'],
        [FBL, '16384'],
      ],
    ],
    replies: [
      ['InitialR2T', 'No'],
      ['ImmediateData', 'No'],
      [FBL, '16384'],
    ],
    params: { firstBurstLength: 16384 },
  },
  {
    name: '13.14 InitialR2T and ImmediateData negotiated in an earlier PDU sequence: FirstBurstLength alone later -> Irrelevant',
    role: T,
    receive: [
      [
        ['InitialR2T', 'Yes'],
        ['ImmediateData', 'No'],
      ],
      [[FBL, '65536']],
    ],
    replies: [
      ['InitialR2T', 'Yes'],
      ['ImmediateData', 'No'],
      [FBL, 'Irrelevant'],
    ],
  },
  {
    name: '13.14 in a discovery session FirstBurstLength is Irrelevant whatever InitialR2T and ImmediateData are',
    role: T,
    session: 'Discovery',
    receive: one(FBL, '65536'),
    replies: [[FBL, 'Irrelevant']],
  },
  {
    name: "13.14 the initiator, having settled InitialR2T=Yes and ImmediateData=No, answers the target's FirstBurstLength with Irrelevant",
    role: I,
    offer: [
      ['InitialR2T', 'Yes'],
      ['ImmediateData', 'No'],
    ],
    receive: [
      [
        ['InitialR2T', 'Yes'],
        ['ImmediateData', 'No'],
        [FBL, '16384'],
      ],
    ],
    replies: [[FBL, 'Irrelevant']],
    issues: [],
    pending: [],
  },
  {
    name: '13.14 the initiator accepts Irrelevant as the answer to its FirstBurstLength when InitialR2T=Yes and ImmediateData=No',
    role: I,
    offer: [
      ['InitialR2T', 'Yes'],
      ['ImmediateData', 'No'],
      [FBL, '262144'],
    ],
    receive: [
      [
        ['InitialR2T', 'Yes'],
        ['ImmediateData', 'No'],
        [FBL, 'Irrelevant'],
      ],
    ],
    replies: [],
    issues: [],
    pending: [],
    values: { [FBL]: undefined },
    params: { initialR2T: true, immediateData: false },
  },
  {
    name: '13.14 the target accepts Irrelevant as the answer to its FirstBurstLength offer',
    role: T,
    offer: [
      ['InitialR2T', 'Yes'],
      ['ImmediateData', 'No'],
      [FBL, '16384'],
    ],
    receive: [[[FBL, 'Irrelevant']]],
    replies: [],
    issues: [],
    pending: [],
  },
  {
    name: "13.14 with InitialR2T=Yes and ImmediateData=No a numeric answer is still taken (Irrelevant is the responder's option)",
    role: I,
    offer: [
      ['InitialR2T', 'Yes'],
      ['ImmediateData', 'No'],
      [FBL, '262144'],
    ],
    receive: [[[FBL, '65536']]],
    replies: [],
    issues: [],
    values: { [FBL]: '65536' },
  },
);

// ---------------------------------------------------------------------------------------------

function run(c: Case) {
  const n = new Negotiator({ role: c.role, ...(c.session ? { sessionType: c.session } : {}), local: c.local ?? {} });
  if (c.offer) assert.deepStrictEqual(n.offer(c.offer), c.offer, 'everything offered is sent');
  const replies: KeyValue[] = [];
  const auth: KeyValue[] = [];
  let fatal: string | undefined;
  for (const batch of c.receive) {
    const r = n.receive(batch, c.phase ?? 'operational');
    replies.push(...r.replies);
    auth.push(...r.auth);
    if (r.fatal && !fatal) fatal = r.fatal.key;
  }
  return { n, replies, auth, fatal };
}

describe('protocol/iscsi negotiation (RFC 7143 6.2, 12, 13)', () => {
  describe('cases', () => {
    for (const c of cases) {
      it(`${c.role}: ${c.name}`, () => {
        const { n, replies, auth, fatal } = run(c);
        assert.equal(fatal, c.fatal, `fatal issue: ${JSON.stringify(n.issues)}`);
        if (c.replies) assert.deepStrictEqual(replies, c.replies);
        else if (!c.fatal) assert.deepStrictEqual(replies, [], 'no replies expected');
        if (c.auth) assert.deepStrictEqual(auth, c.auth);
        assert.deepStrictEqual(
          n.issues.filter((i) => !i.fatal).map((i) => i.key),
          c.issues ?? [],
          'non-fatal issues',
        );
        for (const i of n.issues) assert.match(i.clause, /^RFC 71\d\d /);
        for (const [k, v] of Object.entries(c.values ?? {})) assert.equal(n.values.get(k), v, `value of ${k}`);
        for (const [k, v] of Object.entries(c.declared ?? {})) assert.equal(n.peerDeclared.get(k), v, `the peer's declaration of ${k}`);
        if (c.params) {
          const p = n.params() as unknown as Record<string, unknown>;
          for (const [k, v] of Object.entries(c.params)) assert.equal(p[k], v, `params().${k}`);
        }
        if (c.pending) assert.deepStrictEqual(n.pending, c.pending);
      });
    }
  });

  describe('offers', () => {
    it('13 "Irrelevant when: SessionType=Discovery": such keys are not offered in a discovery session', () => {
      const n = new Negotiator({ role: 'initiator', sessionType: 'Discovery', local: {} });
      assert.deepStrictEqual(
        n.offer([
          ['MaxBurstLength', '65536'],
          ['HeaderDigest', 'None'],
          ['ImmediateData', 'No'],
        ]),
        [['HeaderDigest', 'None']],
      );
    });
    it('13.21 offering SessionType=Discovery first makes the later keys irrelevant', () => {
      const n = new Negotiator({ role: 'initiator', local: {} });
      assert.deepStrictEqual(
        n.offer([
          ['SessionType', 'Discovery'],
          ['InitialR2T', 'No'],
        ]),
        [['SessionType', 'Discovery']],
      );
      assert.equal(n.params().sessionType, 'Discovery');
    });
    it('6.2 a key already settled is not offered again', () => {
      const n = new Negotiator({ role: 'initiator', local: { MaxBurstLength: '65536' } });
      assert.deepStrictEqual(n.offerLocal(['MaxBurstLength', 'FirstBurstLength']), [['MaxBurstLength', '65536']]);
      assert.deepStrictEqual(n.offerLocal(['MaxBurstLength']), []);
      assert.equal(n.settled('MaxBurstLength'), true);
      assert.equal(n.settled('FirstBurstLength'), false);
    });
  });

  describe('params()', () => {
    it('defaults are the RFC 7143 section 13 defaults', () => {
      assert.deepStrictEqual(defaultParams(), {
        headerDigest: false,
        dataDigest: false,
        maxConnections: 1,
        initialR2T: true,
        immediateData: true,
        maxBurstLength: 262144,
        firstBurstLength: 65536,
        defaultTime2Wait: 2,
        defaultTime2Retain: 20,
        maxOutstandingR2T: 1,
        dataPDUInOrder: true,
        dataSequenceInOrder: true,
        errorRecoveryLevel: 0,
        taskReporting: 'RFC3720',
        iscsiProtocolLevel: 0,
        maxSendDataSegmentLength: 8192,
        maxRecvDataSegmentLength: 8192,
        sessionType: 'Normal',
        authMethod: 'None',
      });
    });
    it('13.12 MaxRecvDataSegmentLength is declared per direction', () => {
      const n = new Negotiator({ role: 'initiator', local: {} });
      n.offer([['MaxRecvDataSegmentLength', '262144']]);
      n.receive([['MaxRecvDataSegmentLength', '65536']], 'operational');
      const p = n.params();
      assert.equal(p.maxRecvDataSegmentLength, 262144);
      assert.equal(p.maxSendDataSegmentLength, 65536);
      assert.deepStrictEqual(n.pending, []);
    });
    it('13.14 FirstBurstLength is clamped to MaxBurstLength', () => {
      const n = new Negotiator({ role: 'target', local: { MaxBurstLength: '16777215', FirstBurstLength: '16777215' } });
      const { replies } = n.receive(
        [
          ['MaxBurstLength', '16384'],
          ['FirstBurstLength', '65536'],
        ],
        'operational',
      );
      assert.deepStrictEqual(replies, [
        ['MaxBurstLength', '16384'],
        ['FirstBurstLength', '65536'],
      ]);
      assert.equal(n.params().maxBurstLength, 16384);
      assert.equal(n.params().firstBurstLength, 16384);
    });
  });

  it('13.14 a whole exchange with InitialR2T=Yes and ImmediateData=No: the target answers FirstBurstLength=Irrelevant, the initiator takes it', () => {
    const ini = new Negotiator({ role: 'initiator', local: {} });
    const tgt = new Negotiator({ role: 'target', local: { FirstBurstLength: '262144', MaxBurstLength: '262144' } });
    const offers = ini.offer([
      ['InitialR2T', 'Yes'],
      ['ImmediateData', 'No'],
      ['MaxBurstLength', '262144'],
      ['FirstBurstLength', '262144'],
      ['X#NodeArchitecture', 'ExampleOS/v1234'],
    ]);
    const t = tgt.receive(offers, 'operational');
    assert.equal(t.fatal, undefined);
    assert.deepStrictEqual(t.replies, [
      ['InitialR2T', 'Yes'],
      ['ImmediateData', 'No'],
      ['MaxBurstLength', '262144'],
      ['FirstBurstLength', 'Irrelevant'],
    ]);
    const i = ini.receive([...t.replies, ...tgt.offer([['X#NodeArchitecture', 'ExampleInc_SW_Target/1.0']])], 'operational');
    assert.equal(i.fatal, undefined);
    assert.deepStrictEqual(i.replies, []);
    assert.deepStrictEqual(ini.pending, []);
    assert.deepStrictEqual([...ini.issues, ...tgt.issues], []);
    assert.deepStrictEqual(ini.params(), tgt.params());
    // each side's own declaration, and the peer's apart
    assert.equal(ini.peerDeclared.get('X#NodeArchitecture'), 'ExampleInc_SW_Target/1.0');
    assert.equal(tgt.peerDeclared.get('X#NodeArchitecture'), 'ExampleOS/v1234');
    assert.equal(ini.localDeclared.get('X#NodeArchitecture'), 'ExampleOS/v1234');
    assert.equal(tgt.localDeclared.get('X#NodeArchitecture'), 'ExampleInc_SW_Target/1.0');
  });

  it('a whole operational exchange: both sides end with the same session parameters', () => {
    const ini = new Negotiator({ role: 'initiator', local: {} });
    const tgt = new Negotiator({
      role: 'target',
      local: { HeaderDigest: 'CRC32C,None', DataDigest: 'None', MaxBurstLength: '131072', ImmediateData: 'Yes', InitialR2T: 'No', DefaultTime2Wait: '3' },
    });
    const offers = ini.offer([
      ['HeaderDigest', 'CRC32C,None'],
      ['DataDigest', 'CRC32C,None'],
      ['MaxRecvDataSegmentLength', '262144'],
      ['MaxBurstLength', '1048576'],
      ['FirstBurstLength', '262144'],
      ['ImmediateData', 'Yes'],
      ['InitialR2T', 'No'],
      ['DefaultTime2Wait', '2'],
      ['ErrorRecoveryLevel', '0'],
      ['MaxConnections', '1'],
      ['X-com.example.Feature', 'on'],
    ]);
    const t = tgt.receive(offers, 'operational');
    assert.equal(t.fatal, undefined);
    const declared = tgt.offer([['MaxRecvDataSegmentLength', '65536']]);
    const i = ini.receive([...t.replies, ...declared], 'operational');
    assert.equal(i.fatal, undefined);
    assert.deepStrictEqual(i.replies, []);
    assert.deepStrictEqual(ini.pending, []);
    const pi = ini.params();
    const pt = tgt.params();
    assert.equal(pi.maxSendDataSegmentLength, 65536);
    assert.equal(pt.maxRecvDataSegmentLength, 65536);
    assert.equal(pt.maxSendDataSegmentLength, 262144);
    const same = (p: SessionParams) => ({ ...p, maxSendDataSegmentLength: 0, maxRecvDataSegmentLength: 0 });
    assert.deepStrictEqual(same(pi), same(pt));
    assert.equal(pi.headerDigest, true);
    assert.equal(pi.dataDigest, false);
    assert.equal(pi.maxBurstLength, 131072);
    assert.equal(pi.firstBurstLength, 65536); // min(262144, the target's default 65536)
    assert.equal(pi.immediateData, true);
    assert.equal(pi.initialR2T, false);
    assert.equal(pi.defaultTime2Wait, 3);
  });

  describe('key table (RFC 7143 13)', () => {
    it('every row is consistent: defaults within range or among the values, a clause named', () => {
      for (const def of Object.values(KEYS)) {
        assert.match(def.clause, /^RFC 714[345] /, def.name);
        if (def.default === undefined) continue;
        if (def.type === 'numeric' || def.type === 'declarative-numeric') {
          const n = parseNumber(def.default)!;
          assert.ok(n >= def.min! && n <= def.max!, def.name);
        }
        if (def.values) assert.ok(def.values.includes(def.default), def.name);
      }
    });
    const expectations: Array<[string, string, string, string | undefined]> = [
      // name, type/result, use, default
      ['HeaderDigest', 'list/list', 'IO', 'None'],
      ['MaxConnections', 'numeric/min', 'LO', '1'],
      ['InitialR2T', 'boolean/or', 'LO', 'Yes'],
      ['ImmediateData', 'boolean/and', 'LO', 'Yes'],
      ['MaxRecvDataSegmentLength', 'declarative-numeric/none', 'ALL', '8192'],
      ['MaxBurstLength', 'numeric/min', 'LO', '262144'],
      ['FirstBurstLength', 'numeric/min', 'LO', '65536'],
      ['DefaultTime2Wait', 'numeric/max', 'LO', '2'],
      ['DefaultTime2Retain', 'numeric/min', 'LO', '20'],
      ['MaxOutstandingR2T', 'numeric/min', 'LO', '1'],
      ['DataPDUInOrder', 'boolean/or', 'LO', 'Yes'],
      ['DataSequenceInOrder', 'boolean/or', 'LO', 'Yes'],
      ['ErrorRecoveryLevel', 'numeric/min', 'LO', '0'],
      ['SendTargets', 'declarative/none', 'FFPO', undefined],
      ['X#NodeArchitecture', 'declarative/none', 'LO', 'None'],
      ['AuthMethod', 'list/list', 'SEC', 'None'],
    ];
    for (const [name, tr, use, dflt] of expectations) {
      it(`${name}: ${tr}, Use ${use}, default ${dflt ?? '(none)'}`, () => {
        const d = keyDef(name)!;
        assert.equal(`${d.type}/${d.result}`, tr);
        assert.equal(d.use, use);
        assert.equal(d.default, dflt);
      });
    }
    it('keyDef does not answer for Object.prototype names', () => {
      assert.equal(keyDef('constructor'), undefined);
      assert.equal(keyDef('__proto__'), undefined);
    });
    it('parseNumber: decimal and 0x hex; nothing else', () => {
      assert.equal(parseNumber('0'), 0);
      assert.equal(parseNumber('16777215'), 16777215);
      assert.equal(parseNumber('0xFFFFFF'), 16777215);
      assert.equal(parseNumber('0X10'), 16);
      for (const bad of ['', '-1', '1.5', '1e3', '0x', ' 1', '0b1000', '12345678901']) assert.equal(parseNumber(bad), undefined, bad);
    });
  });
});
