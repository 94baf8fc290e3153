import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OPERATION_NAMES, operation } from './model.js';
import { matchRoute, methodsForPath } from './routes.js';

const ARN = 'arn:aws:imagebuilder:us-east-1:123456789012:image/my-img/1.0.0/1';
const ENCODED = encodeURIComponent(ARN); // encodes ':' and '/' like the CLI and SDK do

describe('matchRoute', () => {
  it('reaches all 77 operations at their model method and path', () => {
    for (const name of OPERATION_NAMES) {
      const { method, requestUri } = operation(name).http;
      const path = requestUri.replace('{resourceArn}', ENCODED);
      assert.equal(matchRoute(method, path)?.operation, name, `${method} ${path}`);
    }
  });

  const cases: [method: string, path: string, expected: string | undefined][] = [
    ['PUT', '/CreateComponent', 'CreateComponent'],
    ['put', '/CreateComponent', 'CreateComponent'],
    ['GET', '/GetImage?imageBuildVersionArn=x', 'GetImage'],
    ['POST', '/ListImages', 'ListImages'],
    ['POST', `/tags/${ENCODED}`, 'TagResource'],
    ['GET', `/tags/${ENCODED}`, 'ListTagsForResource'],
    ['DELETE', `/tags/${ENCODED}?tagKeys=a&tagKeys=b`, 'UntagResource'],
    ['GET', '/CreateComponent', undefined],
    ['PUT', '/createcomponent', undefined],
    ['PUT', '/CreateComponent/', undefined],
    ['GET', '/', undefined],
    ['GET', '/Nope', undefined],
    ['GET', '/tags/', undefined],
    ['PUT', `/tags/${ENCODED}`, undefined],
    ['GET', '/tags/%E0%A4%A', undefined],
  ];
  for (const [method, path, expected] of cases) {
    it(`${method} ${path.slice(0, 40)} → ${expected ?? 'no route'}`, () => {
      assert.equal(matchRoute(method, path)?.operation, expected);
    });
  }

  it('decodes the tag ARN exactly once', () => {
    assert.deepEqual(matchRoute('GET', `/tags/${ENCODED}`), {
      operation: 'ListTagsForResource',
      pathParams: { resourceArn: ARN },
    });
    // A literal %2F inside the value stays %2F after one decode (it was sent as %252F).
    assert.equal(matchRoute('GET', '/tags/a%252Fb')?.pathParams.resourceArn, 'a%2Fb');
  });

  it('accepts a tag ARN whose slashes were left unencoded', () => {
    assert.equal(matchRoute('POST', `/tags/${ARN}`)?.pathParams.resourceArn, ARN);
  });

  it('has no path params for plain operations', () => {
    assert.deepEqual(matchRoute('DELETE', '/DeleteImage')?.pathParams, {});
  });
});

describe('methodsForPath', () => {
  it('lists the methods served at a path', () => {
    assert.deepEqual(methodsForPath('/CreateComponent'), ['PUT']);
    assert.deepEqual(methodsForPath(`/tags/${ENCODED}`), ['DELETE', 'GET', 'POST']);
    assert.deepEqual(methodsForPath('/Nope'), []);
  });
});
