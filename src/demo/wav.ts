// A seekable sample for the demo: a PCM WAV of a slow sine sweep, which every browser plays from a range request.
export function sineSweepWav(seconds: number, sampleRate = 44100): Buffer {
  const channels = 2;
  const samples = Math.floor(seconds * sampleRate);
  const dataBytes = samples * channels * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * channels * 2, 28);
  out.writeUInt16LE(channels * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  let phase = 0;
  for (let i = 0; i < samples; i++) {
    const t = i / sampleRate;
    // The pitch rises through the file, so where a seek landed can be heard.
    const freq = 220 + 440 * (t / seconds);
    phase += (2 * Math.PI * freq) / sampleRate;
    const v = Math.round(Math.sin(phase) * 0.3 * 32767);
    out.writeInt16LE(v, 44 + i * 4);
    out.writeInt16LE(v, 46 + i * 4);
  }
  return out;
}
