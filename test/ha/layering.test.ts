import t from 'tap';
import { importGraph } from '../fixtures/imports.js';

t.test('src/ha stands apart from the transports, and the core knows nothing of it', async (t) => {
  const graph = importGraph('src');
  const wrong = [...graph].flatMap(([file, targets]) =>
    targets
      .filter((target) => (file.startsWith('src/ha/') && target.startsWith('src/transport/')) || (file.startsWith('src/core/') && target.startsWith('src/ha/')))
      .map((target) => `${file} -> ${target}`),
  );
  t.ok([...graph.keys()].some((file) => file.startsWith('src/ha/')), 'src/ha is in the graph');
  t.same(wrong, [], wrong.length === 0 ? 'no import across' : `imports across: ${wrong.join('; ')}`);
});
