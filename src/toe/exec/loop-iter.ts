import type { Loop } from '../model.js';
import type { LoopScope } from './resolve.js';

/**
 * The iterations of a step's loop, computed once when the loop starts (AWSTOE reads a
 * delimited `list` once, so later changes to what it refers to do not matter). `resolve`
 * substitutes chaining and parameters in forEach items and the delimited list; `for` bounds
 * are plain numbers. `for` is inclusive at both ends and may count down.
 */
export function loopIterations(loop: Loop, resolve: (text: string) => string): LoopScope[] {
  const named = loop.name === undefined ? {} : { name: loop.name };
  const values: string[] = [];
  switch (loop.kind) {
    case 'for':
      for (let n = loop.start; loop.updateBy > 0 ? n <= loop.end : n >= loop.end; n += loop.updateBy) {
        values.push(String(n));
      }
      break;
    case 'forEach':
      for (const item of loop.items) values.push(resolve(item));
      break;
    case 'forEachDelimited': {
      const list = resolve(loop.list);
      // An empty list is no iterations, not one empty item.
      if (list !== '') values.push(...list.split(loop.delimiter));
      break;
    }
  }
  return values.map((value, index) => ({ ...named, index, value }));
}
