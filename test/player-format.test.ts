// Sizes, durations and codec names as the watch page shows them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codecLabel, escapeHtml, formatBytes, formatDuration } from '../src/player/format.ts';

test('sizes in powers of 1024 with one decimal below 10', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatBytes(151958), '148 KB');
  assert.equal(formatBytes(4 * 1024 ** 3), '4.0 GB');
  assert.equal(formatBytes(3 * 1024 ** 5), '3072 TB');
});

test('durations as m:ss, or h:mm:ss from an hour', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(4.008), '0:04');
  assert.equal(formatDuration(65), '1:05');
  assert.equal(formatDuration(3725.4), '1:02:05');
});

test('codec names as people know them; unknown ones as the file names them', () => {
  assert.equal(codecLabel('avc1'), 'H.264');
  assert.equal(codecLabel('hvc1'), 'H.265');
  assert.equal(codecLabel('V_VP9'), 'VP9');
  assert.equal(codecLabel('A_OPUS'), 'Opus');
  assert.equal(codecLabel('A_AAC/MPEG4/LC'), 'AAC');
  assert.equal(codecLabel('FMP4'), 'MPEG-4 Part 2');
  assert.equal(codecLabel('mp3'), 'MP3');
  assert.equal(codecLabel('zzzz'), 'zzzz');
});

test('escapeHtml covers element content and both quote styles', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});
