import t from 'tap';
import { formatDuration, parseDuration } from '../../schemas/duration.js';

t.test('durations parse to milliseconds and format back', async (t) => {
  const cases: [string, number][] = [
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2m5s', 125_000],
  ];
  for (const [text, ms] of cases) {
    t.equal(parseDuration(text), ms, text);
    t.equal(parseDuration(formatDuration(ms)), ms, `round trip ${text}`);
  }
  t.equal(formatDuration(5_400_000), '1h30m');
  for (const bad of ['', '10', '5 minutes', '1d', '-5s', '1.5h', 'm5']) t.equal(parseDuration(bad), undefined, JSON.stringify(bad));
});
