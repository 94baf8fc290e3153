import assert from 'node:assert/strict';

/** Awaits a rejection and checks the error's name (an AWS exception name) and message. */
export async function rejectsWith(
  promise: Promise<unknown>,
  name: string,
  fragment?: RegExp,
): Promise<Error> {
  const err = await promise.then(
    () => assert.fail(`expected ${name}`),
    (e: Error) => e,
  );
  assert.equal(err.name, name, `got ${err.name}: ${err.message}`);
  if (fragment) assert.match(err.message, fragment);
  return err;
}
