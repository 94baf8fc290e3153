/**
 * AMI name templates (`amiDistributionConfiguration.name`, api.md §7): the documented variables
 * `{{imagebuilder:buildDate}}`, `{{imagebuilder:buildDate:<format>}}` and
 * `{{imagebuilder:buildVersion}}`, checked as the service does — the template against the
 * model's pattern, the rendered name against EC2's AMI name rules (3–127 characters of letters,
 * digits and `( ) [ ] . / - ' @ _` and spaces). Pure.
 */

export interface AmiNameValues {
  /** Milliseconds since the epoch. */
  readonly buildDate: number;
  /** The image build version's build number (the last node of its ARN). */
  readonly buildVersion: number;
}

export const AMI_NAME_VARIABLES = [
  'imagebuilder:buildDate',
  'imagebuilder:buildDate:<format>',
  'imagebuilder:buildVersion',
] as const;

const TEMPLATE = /^[-_A-Za-z0-9{][-_A-Za-z0-9\s:{}.]+[-_A-Za-z0-9}]$/;
const RENDERED = /^[A-Za-z0-9()[\]./\-'@_ ]{3,127}$/;
const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const FORMAT_TOKEN = /yyyy|MM|dd|HH|mm|ss|SSS|[-_. ]/g;

/** `{{imagebuilder:buildDate:<format>}}`: yyyy MM dd HH mm ss SSS, separated by - _ . or spaces (UTC). */
function formatDate(ms: number, format: string): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const parts: Record<string, string> = {
    yyyy: pad(d.getUTCFullYear(), 4),
    MM: pad(d.getUTCMonth() + 1),
    dd: pad(d.getUTCDate()),
    HH: pad(d.getUTCHours()),
    mm: pad(d.getUTCMinutes()),
    ss: pad(d.getUTCSeconds()),
    SSS: pad(d.getUTCMilliseconds(), 3),
  };
  return format.replace(FORMAT_TOKEN, (t) => parts[t] ?? t);
}

function variableProblem(variable: string): string | undefined {
  if (variable === 'imagebuilder:buildDate' || variable === 'imagebuilder:buildVersion') return undefined;
  const format = /^imagebuilder:buildDate:(.+)$/.exec(variable)?.[1];
  if (format !== undefined) {
    const rest = format.replace(FORMAT_TOKEN, '');
    return rest === ''
      ? undefined
      : `the date format '${format}' has '${rest}'; use yyyy, MM, dd, HH, mm, ss, SSS and - _ . or spaces`;
  }
  return `unknown variable '{{${variable}}}'; names may use ${AMI_NAME_VARIABLES.map((v) => `{{${v}}}`).join(', ')}`;
}

/** Renders a template (no checks). */
export function renderAmiName(template: string, values: AmiNameValues): string {
  return template.replace(VARIABLE, (whole, variable: string) => {
    if (variable === 'imagebuilder:buildDate')
      return new Date(values.buildDate).toISOString().replace(/:/g, '-');
    if (variable === 'imagebuilder:buildVersion') return String(values.buildVersion);
    const format = /^imagebuilder:buildDate:(.+)$/.exec(variable)?.[1];
    return format === undefined ? whole : formatDate(values.buildDate, format);
  });
}

/** Why a rendered name is not a valid AMI name, or undefined. */
export function renderedNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 127)
    return `renders to ${name.length} characters ('${name.slice(0, 40)}${name.length > 40 ? '…' : ''}'); an AMI name has 3 to 127`;
  if (!RENDERED.test(name)) {
    const bad = [...name].find((c) => !/[A-Za-z0-9()[\]./\-'@_ ]/.test(c));
    return `renders to '${name}', which has '${bad}'; an AMI name may only have letters, digits, spaces and ( ) [ ] . / - ' @ _`;
  }
  return undefined;
}

/**
 * Why a template is not valid, or undefined: the model's pattern, known variables, and the
 * name it renders to for `sample` (a build at that date and number).
 */
export function amiNameTemplateProblem(template: string, sample: AmiNameValues): string | undefined {
  if (template.length > 127) return `has ${template.length} characters; use 1 to 127`;
  if (template.length < 3) return renderedNameProblem(template);
  if (!TEMPLATE.test(template))
    return 'has characters a name template may not have; use letters, digits, spaces, - _ . : and {{variables}}';
  for (const m of template.matchAll(VARIABLE)) {
    const problem = variableProblem(m[1] ?? '');
    if (problem) return problem;
  }
  if (/[{}]/.test(template.replace(VARIABLE, '')))
    return 'has braces that do not form {{variable}} references';
  return renderedNameProblem(renderAmiName(template, sample));
}
