import cvss from 'ae-cvss-calculator';

/** Inspector's severity names, which Image Builder's findings use. */
export const SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'UNTRIAGED'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Where a finding's severity came from, so a report can say why. */
export type SeveritySource = 'debian-urgency' | 'cvss-v3' | 'cvss-v4' | 'none';

/** A CVSS vector with its computed base score. */
export interface CvssScore {
  readonly version: 'v3' | 'v4';
  readonly vector: string;
  readonly score: number;
}

/**
 * Debian tracker urgency → severity, as Trivy maps it; a trailing `*`/`**` (urgency not
 * confirmed) is ignored. `not yet assigned`, `end-of-life` and unknown words return
 * undefined so that CVSS decides.
 */
export function severityOfUrgency(urgency: string): Severity | undefined {
  const word = urgency.trim().toLowerCase().replace(/\*+$/, '').trim();
  switch (word) {
    case 'unimportant':
    case 'low':
      return 'LOW';
    case 'medium':
      return 'MEDIUM';
    case 'high':
      return 'HIGH';
    default:
      return undefined;
  }
}

/** FIRST's qualitative buckets for CVSS v3.x and v4.0 base scores. */
export function severityOfScore(score: number): Severity {
  if (score >= 9) return 'CRITICAL';
  if (score >= 7) return 'HIGH';
  if (score >= 4) return 'MEDIUM';
  if (score > 0) return 'LOW';
  return 'INFORMATIONAL';
}

/** Scores a CVSS v3.0/v3.1/v4.0 vector, or returns undefined when it is not a complete vector. */
export function scoreCvss(vector: string): CvssScore | undefined {
  const text = vector.trim();
  try {
    let base: number | undefined;
    let version: CvssScore['version'];
    if (text.startsWith('CVSS:3.1/')) {
      base = new cvss.Cvss3P1(text).calculateScores().base;
      version = 'v3';
    } else if (text.startsWith('CVSS:3.0/')) {
      base = new cvss.Cvss3P0(text).calculateScores().base;
      version = 'v3';
    } else if (text.startsWith('CVSS:4.0/')) {
      base = new cvss.Cvss4P0(text).calculateScores().base;
      version = 'v4';
    } else {
      return undefined;
    }
    return typeof base === 'number' && Number.isFinite(base)
      ? { version, vector: text, score: base }
      : undefined;
  } catch {
    // The library throws on malformed vectors; an unscorable vector simply does not count.
    return undefined;
  }
}

/** The severity a finding gets: Debian urgency first, then the highest CVSS v3, then v4. */
export function resolveSeverity(
  urgencies: readonly string[],
  scores: readonly CvssScore[],
): { severity: Severity; source: SeveritySource; cvss?: CvssScore } {
  const best = (version: CvssScore['version']) =>
    scores.filter((s) => s.version === version).sort((a, b) => b.score - a.score)[0];
  const cvssScore = best('v3') ?? best('v4');
  const withCvss = cvssScore ? { cvss: cvssScore } : {};
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  const fromUrgency = urgencies
    .map(severityOfUrgency)
    .filter((s): s is Severity => s !== undefined)
    .sort((a, b) => rank(b) - rank(a))[0];
  if (fromUrgency) return { severity: fromUrgency, source: 'debian-urgency', ...withCvss };
  if (cvssScore)
    return { severity: severityOfScore(cvssScore.score), source: `cvss-${cvssScore.version}`, ...withCvss };
  return { severity: 'UNTRIAGED', source: 'none' };
}
