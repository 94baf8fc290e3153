import type { ComponentDocument } from './model.js';

/** The Image Builder API's ComponentParameterDetail. */
export interface ComponentParameterDetail {
  readonly name: string;
  readonly type: string;
  readonly defaultValue?: string[];
  readonly description?: string;
}

/** The document's parameters as GetComponent reports them (`defaultValue` is a list in the API). */
export function componentParameters(doc: Pick<ComponentDocument, 'parameters'>): ComponentParameterDetail[] {
  return doc.parameters.map((p) => ({
    name: p.name,
    type: p.type,
    ...(p.default !== undefined ? { defaultValue: [p.default] } : {}),
    ...(p.description !== undefined ? { description: p.description } : {}),
  }));
}
