/**
 * `kiln launch-template create|list|get|create-version|set-default|delete` and `kiln ami
 * list|share`: Kiln launch templates and AMI sharing over their /kiln/ endpoints
 * (docs/launch-templates.md).
 */
import { type FlagSpec, type ParsedArgs, UsageError } from '../args.js';
import { kilnRouteVerb } from '../kiln-verb.js';
import { renderTable } from '../table.js';
import type { Verb } from '../verb.js';

interface Version {
  versionNumber: number;
  versionDescription?: string;
  imageId: string;
  instanceType: string;
  createTime: string;
}
interface Template {
  launchTemplateId: string;
  launchTemplateName: string;
  defaultVersionNumber: number;
  latestVersionNumber: number;
  createTime: string;
  versions: Version[];
}
interface Ami {
  image: string;
  name: string;
  accountId: string;
  state?: string;
  owned: boolean;
  lastLaunched?: string;
  launchPermission?: Record<string, string[]>;
}

const verb = kilnRouteVerb;

const IMAGE: FlagSpec = {
  name: 'image',
  type: 'string',
  value: 'AMI',
  help: 'the image id (ami-…) instances start from',
};
const TYPE: FlagSpec = {
  name: 'instance-type',
  type: 'string',
  value: 'TYPE',
  help: 'a Kiln sandbox type: kiln.micro … kiln.xlarge (default kiln.small, or the source version’s)',
};
const DESCRIPTION: FlagSpec = {
  name: 'description',
  type: 'string',
  value: 'TEXT',
  help: 'the version’s description',
};
const PATH = '/kiln/launch-templates';

const versionData = (flags: ParsedArgs) => ({
  ...(flags.string('image') ? { imageId: flags.string('image') } : {}),
  ...(flags.string('instance-type') ? { instanceType: flags.string('instance-type') } : {}),
  ...(flags.string('description') !== undefined ? { versionDescription: flags.string('description') } : {}),
});

const summaryLine = (t: Template, what: string) =>
  `${what} ${t.launchTemplateName} (${t.launchTemplateId}): default version ${t.defaultVersionNumber}, latest ${t.latestVersionNumber}\n`;

function describe(t: Template): string {
  const rows = t.versions.map((v) => ({ ...v, isDefault: v.versionNumber === t.defaultVersionNumber }));
  return (
    summaryLine(t, 'launch template') +
    renderTable(
      [
        {
          header: 'version',
          value: (v: (typeof rows)[number]) => `${v.versionNumber}${v.isDefault ? ' (default)' : ''}`,
        },
        { header: 'image', value: (v) => v.imageId },
        { header: 'instance type', value: (v) => v.instanceType },
        { header: 'created', value: (v) => v.createTime },
        { header: 'description', value: (v) => v.versionDescription ?? '' },
      ],
      rows,
    )
  );
}

const numberFlag = (flags: ParsedArgs, name: string): number | undefined => {
  const text = flags.string(name);
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(text))
    throw new UsageError(`--${name} must be a version number (1, 2, …), not '${text}'.`);
  return Number(text);
};

export const launchTemplateVerbs: Verb[] = [
  verb(
    ['launch-template', 'create'],
    'NAME --image AMI [--instance-type TYPE] [--description TEXT]',
    'create a launch template (its version 1 is the default)',
    [IMAGE, TYPE, DESCRIPTION],
    ['NAME'],
    async ([name], flags, call) => {
      const answer = await call<{ launchTemplate: Template }>(
        'POST',
        PATH,
        {},
        {
          launchTemplateName: name,
          ...versionData(flags),
        },
      );
      return { answer, text: summaryLine(answer.launchTemplate, 'created') };
    },
  ),
  verb(
    ['launch-template', 'list'],
    '',
    'list the launch templates of the account and region',
    [],
    [],
    async (_p, _f, call) => {
      const answer = await call<{ launchTemplates: Template[] }>('GET', PATH);
      const text = renderTable(
        [
          { header: 'name', value: (t: Template) => t.launchTemplateName },
          { header: 'id', value: (t) => t.launchTemplateId },
          { header: 'default', value: (t) => String(t.defaultVersionNumber) },
          { header: 'latest', value: (t) => String(t.latestVersionNumber) },
          {
            header: 'default image',
            value: (t) => t.versions.find((v) => v.versionNumber === t.defaultVersionNumber)?.imageId ?? '',
          },
        ],
        answer.launchTemplates,
      );
      return { answer, text };
    },
  ),
  verb(
    ['launch-template', 'get'],
    'NAME|ID',
    'show a launch template and its versions',
    [],
    ['NAME|ID'],
    async ([ref], _f, call) => {
      const answer = await call<{ launchTemplate: Template }>('GET', PATH, { launchTemplate: ref });
      return { answer, text: describe(answer.launchTemplate) };
    },
  ),
  verb(
    ['launch-template', 'create-version'],
    'NAME|ID [--image AMI] [--instance-type TYPE] [--source-version N] [--set-default]',
    'add a version (unset settings come from the source version, default: the default version)',
    [
      IMAGE,
      TYPE,
      DESCRIPTION,
      { name: 'source-version', type: 'string', value: 'N', help: 'the version to start from' },
      { name: 'set-default', type: 'boolean', help: 'make the new version the default' },
    ],
    ['NAME|ID'],
    async ([ref], flags, call) => {
      const source = numberFlag(flags, 'source-version');
      const answer = await call<{ launchTemplate: Template }>(
        'POST',
        `${PATH}/versions`,
        {},
        {
          launchTemplate: ref,
          ...versionData(flags),
          ...(source !== undefined ? { sourceVersion: source } : {}),
          setDefault: flags.boolean('set-default'),
        },
      );
      const t = answer.launchTemplate;
      return {
        answer,
        text: `created version ${t.latestVersionNumber} of ${t.launchTemplateName} (default: ${t.defaultVersionNumber})\n`,
      };
    },
  ),
  verb(
    ['launch-template', 'set-default'],
    'NAME|ID VERSION',
    'make a version the default one (what launches use)',
    [],
    ['NAME|ID', 'VERSION'],
    async ([ref, version], _f, call) => {
      const answer = await call<{ launchTemplate: Template }>(
        'POST',
        `${PATH}/default-version`,
        {},
        {
          launchTemplate: ref,
          versionNumber: version,
        },
      );
      return { answer, text: summaryLine(answer.launchTemplate, 'updated') };
    },
  ),
  verb(
    ['launch-template', 'delete'],
    'NAME|ID [--version N]',
    'delete a launch template, or only one version of it (never the default one)',
    [{ name: 'version', type: 'string', value: 'N', help: 'delete only this version' }],
    ['NAME|ID'],
    async ([ref], flags, call) => {
      const version = numberFlag(flags, 'version');
      if (version === undefined) {
        const answer = await call<{ launchTemplate: Template }>('DELETE', PATH, { launchTemplate: ref });
        return {
          answer,
          text: `deleted ${answer.launchTemplate.launchTemplateName} (${answer.launchTemplate.launchTemplateId})\n`,
        };
      }
      const answer = await call<{ launchTemplate: Template }>('DELETE', `${PATH}/versions`, {
        launchTemplate: ref,
        versionNumber: String(version),
      });
      return { answer, text: `deleted version ${version} of ${answer.launchTemplate.launchTemplateName}\n` };
    },
  ),
  verb(
    ['ami', 'list'],
    '',
    'list the AMIs of the region you own or may launch',
    [],
    [],
    async (_p, _f, call) => {
      const answer = await call<{ images: Ami[] }>('GET', '/kiln/amis');
      const text = renderTable(
        [
          { header: 'image', value: (a: Ami) => a.image },
          { header: 'name', value: (a) => a.name },
          { header: 'owner', value: (a) => (a.owned ? `${a.accountId} (you)` : a.accountId) },
          { header: 'state', value: (a) => a.state ?? 'available' },
          { header: 'last launched', value: (a) => a.lastLaunched ?? '' },
        ],
        answer.images,
      );
      return { answer, text };
    },
  ),
  verb(
    ['ami', 'share'],
    'AMI [--user-id ACCOUNT]… [--all] [--organization-arn ARN]… [--ou-arn ARN]…',
    'replace who may launch your AMI (no flags: only you)',
    [
      { name: 'user-id', type: 'list', value: 'ACCOUNT', help: 'an account that may launch it' },
      { name: 'all', type: 'boolean', help: 'everyone may launch it (userGroups: all)' },
      {
        name: 'organization-arn',
        type: 'list',
        value: 'ARN',
        help: 'an organization whose accounts may launch it',
      },
      {
        name: 'ou-arn',
        type: 'list',
        value: 'ARN',
        help: 'an organizational unit whose accounts may launch it',
      },
    ],
    ['AMI'],
    async ([imageId], flags, call) => {
      const launchPermission = {
        userIds: flags.list('user-id'),
        userGroups: flags.boolean('all') ? ['all'] : [],
        organizationArns: flags.list('organization-arn'),
        organizationalUnitArns: flags.list('ou-arn'),
      };
      const answer = await call<{ image: Ami }>(
        'POST',
        '/kiln/amis/launch-permission',
        {},
        { imageId, launchPermission },
      );
      return {
        answer,
        text: `launch permission of ${imageId}: ${JSON.stringify(answer.image.launchPermission ?? {})}\n`,
      };
    },
  ),
];
