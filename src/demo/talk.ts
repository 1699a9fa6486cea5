// How to go on talking to the bot as the demo's user: the control API's HTTP form (src/sandbox/control-http.ts) takes
// POST /control/<method> with the method's arguments as a JSON array, and answers { "result": ... }.
import type { DemoSample } from './sample.ts';

const curl = (controlUrl: string, method: string, args: unknown[]) =>
  `curl -s ${controlUrl}/control/${method} -H 'content-type: application/json' -d '${JSON.stringify(args).replaceAll("'", "'\\''")}'`;

export function talkToTheBot(controlUrl: string, userId: string, botId: string, sample: DemoSample): string {
  const file = { fileName: sample.fileName, mimeType: sample.mimeType, path: sample.path, video: { duration: sample.duration, width: sample.width, height: sample.height } };
  return [
    `Send the bot a message as that user (try /myfiles, /help, or /start):`,
    `  ${curl(controlUrl, 'userSendsText', [userId, botId, '/myfiles'])}`,
    `Read what the bot sent that user (text, buttons with their URLs), oldest first:`,
    `  ${curl(controlUrl, 'messagesFromBot', [userId, botId])}`,
    `Send another file from disk:`,
    `  ${curl(controlUrl, 'userSendsFile', [userId, botId, file])}`,
  ].join('\n');
}
