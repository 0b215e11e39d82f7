import { generateDemoCompany } from '../../src/backend/engine/demo-company.js';
it('timing', () => {
  for (const n of [1000, 100000, 100000, 100000]) {
    const t = performance.now();
    generateDemoCompany({ seed: 1, lines: n });
    console.log(n, (performance.now() - t).toFixed(0));
  }
  const N = 1e6;
  let t = performance.now();
  const a = new Uint8Array(20); const b = Buffer.alloc(N * 20);
  for (let i = 0; i < N; i++) b.set(a, i * 20);
  console.log('cross-realm set', (performance.now() - t).toFixed(0));
  t = performance.now();
  const c = new Uint8Array(N * 20);
  for (let i = 0; i < N; i++) c.set(a, i * 20);
  console.log('same-realm set', (performance.now() - t).toFixed(0));
  t = performance.now();
  for (let i = 0; i < N * 20; i++) b[i] = 48;
  console.log('buffer idx write', (performance.now() - t).toFixed(0));
  t = performance.now();
  for (let i = 0; i < N * 20; i++) c[i] = 48;
  console.log('u8 idx write', (performance.now() - t).toFixed(0));
});
