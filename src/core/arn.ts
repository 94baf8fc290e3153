import { KilnError } from './errors.js';
import { formatVersion, parseVersionPattern, type SemanticVersion, type VersionPattern } from './semver.js';

/** Resource types as they appear in ARNs. */
export type ResourceType =
  | 'component'
  | 'image-recipe'
  | 'container-recipe'
  | 'infrastructure-configuration'
  | 'distribution-configuration'
  | 'image-pipeline'
  | 'image'
  | 'workflow'
  | 'lifecycle-policy';

export type WorkflowType = 'build' | 'test' | 'distribution';

export interface ParsedArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly type: ResourceType;
  /** Only for workflows: the `build`/`test`/`distribution` segment. */
  readonly workflowType?: WorkflowType;
  readonly name: string;
  readonly version?: VersionPattern;
  readonly build?: number;
}

const VERSIONED: ReadonlySet<ResourceType> = new Set([
  'component',
  'image-recipe',
  'container-recipe',
  'image',
  'workflow',
]);

/** Names keep their spelling in `name`; the ARN segment is lower-cased with spaces as hyphens. */
export const normalizeName = (name: string): string => name.trim().toLowerCase().replace(/ /g, '-');

export interface ArnParts {
  region: string;
  account: string;
  type: ResourceType;
  name: string;
  workflowType?: WorkflowType;
  version?: SemanticVersion | VersionPattern;
  build?: number;
}

export function formatArn(p: ArnParts): string {
  const head = `arn:aws:imagebuilder:${p.region}:${p.account}:${p.type}/`;
  const wf = p.type === 'workflow' ? `${p.workflowType}/` : '';
  let tail = normalizeName(p.name);
  if (p.version) tail += `/${formatVersion(p.version)}`;
  if (p.version && p.build !== undefined) tail += `/${p.build}`;
  return head + wf + tail;
}

const ARN_RE = /^arn:(aws[^:]*):imagebuilder:([^:]+):([^:]+):([a-z-]+)\/(.+)$/;

/** Parses any Image Builder ARN; `member` names the request field for error messages. */
export function parseArn(arn: string, member: string): ParsedArn {
  const m = ARN_RE.exec(arn);
  const bad = (why: string) =>
    new KilnError(
      'InvalidParameterValueException',
      `The value supplied for parameter '${member}' is not a valid Image Builder ARN: ${why}.`,
      { hint: 'ARNs look like arn:aws:imagebuilder:REGION:ACCOUNT:TYPE/name[/1.0.0[/1]].' },
    );
  if (!m) throw bad(`'${arn}' does not match arn:aws:imagebuilder:REGION:ACCOUNT:TYPE/...`);
  const [, partition, region, account, typeText, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const type = typeText as ResourceType;
  const segments = rest.split('/');
  let workflowType: WorkflowType | undefined;
  if (type === 'workflow') {
    const wt = segments.shift();
    if (wt !== 'build' && wt !== 'test' && wt !== 'distribution') throw bad(`unknown workflow type '${wt}'`);
    workflowType = wt;
  }
  const [name, versionText, buildText, ...extra] = segments;
  if (!name || extra.length > 0) throw bad(`'${arn}' has the wrong number of path segments`);
  if (!VERSIONED.has(type) && versionText !== undefined) throw bad(`a ${type} ARN has no version`);
  const version = versionText === undefined ? undefined : parseVersionPattern(versionText, member);
  let build: number | undefined;
  if (buildText !== undefined) {
    if (!/^[0-9]+$/.test(buildText) || !version || version.patch === 'x')
      throw bad(`bad build number '${buildText}'`);
    build = Number(buildText);
  }
  return Object.freeze({
    partition,
    region,
    account,
    type,
    name,
    ...(workflowType ? { workflowType } : {}),
    ...(version ? { version } : {}),
    ...(build !== undefined ? { build } : {}),
  });
}

/** The three references Create and Get answers carry for versioned resources. */
export function latestVersionReferences(p: ArnParts & { version: SemanticVersion }): {
  latestVersionArn: string;
  latestMajorVersionArn: string;
  latestMinorVersionArn: string;
  latestPatchVersionArn: string;
} {
  const base = { ...p, build: undefined };
  const v = p.version;
  return {
    latestVersionArn: formatArn({ ...base, version: { major: 'x', minor: 'x', patch: 'x' } }),
    latestMajorVersionArn: formatArn({ ...base, version: { major: v.major, minor: 'x', patch: 'x' } }),
    latestMinorVersionArn: formatArn({ ...base, version: { major: v.major, minor: v.minor, patch: 'x' } }),
    latestPatchVersionArn: formatArn({ ...base, version: v }),
  };
}
