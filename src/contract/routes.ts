/**
 * Maps an HTTP request line to an Image Builder operation. rest-json puts 74 operations at
 * `METHOD /<OperationName>`; the tag operations share `/tags/{resourceArn}` and differ by method.
 */
import { OPERATION_NAMES, operation } from './model.js';

export interface RouteMatch {
  readonly operation: string;
  /** URI labels, percent-decoded once. */
  readonly pathParams: Readonly<Record<string, string>>;
}

interface LabelRoute {
  readonly prefix: string;
  readonly label: string;
  readonly byMethod: ReadonlyMap<string, string>;
}

const exact = new Map<string, string>();
const labelled = new Map<string, { label: string; byMethod: Map<string, string> }>();

for (const name of OPERATION_NAMES) {
  const { method, requestUri } = operation(name).http;
  const open = requestUri.indexOf('{');
  if (open < 0) {
    exact.set(`${method} ${requestUri}`, name);
    continue;
  }
  // Only a single trailing label (`/tags/{resourceArn}`) exists in the model.
  const label = /^\{([A-Za-z]+)\+?\}$/.exec(requestUri.slice(open))?.[1];
  if (!label) throw new Error(`${name}: unsupported requestUri ${requestUri}`);
  const prefix = requestUri.slice(0, open);
  const route = labelled.get(prefix) ?? { label, byMethod: new Map<string, string>() };
  route.byMethod.set(method, name);
  labelled.set(prefix, route);
}

const LABEL_ROUTES: readonly LabelRoute[] = [...labelled].map(([prefix, r]) => ({ prefix, ...r }));

/**
 * The operation a request addresses, or undefined when no operation lives at that method and
 * path (the API answers 404). `rawPath` is the path exactly as received (a query string, if
 * still attached, is ignored): clients percent-encode the tag ARN completely (`/` as `%2F`),
 * so the label is cut from the raw path first and decoded once afterwards.
 */
export function matchRoute(method: string, rawPath: string): RouteMatch | undefined {
  const q = rawPath.indexOf('?');
  const path = q < 0 ? rawPath : rawPath.slice(0, q);
  const verb = method.toUpperCase();
  const name = exact.get(`${verb} ${path}`);
  if (name) return { operation: name, pathParams: {} };
  for (const route of LABEL_ROUTES) {
    if (!path.startsWith(route.prefix)) continue;
    const op = route.byMethod.get(verb);
    const encoded = path.slice(route.prefix.length);
    if (!op || encoded === '') return undefined;
    // Lenient: a client that leaves `/` unencoded still reaches the ARN it meant.
    const value = decodeOnce(encoded);
    return value === undefined ? undefined : { operation: op, pathParams: { [route.label]: value } };
  }
  return undefined;
}

/** Methods that have an operation at this path; lets the API tell a wrong method from a wrong path. */
export function methodsForPath(rawPath: string): string[] {
  const q = rawPath.indexOf('?');
  const path = q < 0 ? rawPath : rawPath.slice(0, q);
  const methods: string[] = [];
  for (const key of exact.keys()) {
    const [method, p] = key.split(' ');
    if (p === path && method) methods.push(method);
  }
  for (const route of LABEL_ROUTES) {
    if (path.startsWith(route.prefix) && path.length > route.prefix.length)
      methods.push(...route.byMethod.keys());
  }
  return methods.sort();
}

function decodeOnce(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
