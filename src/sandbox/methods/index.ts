import { authMethods } from './auth.ts';
import { channelsMethods } from './channels.ts';
import { helpMethods } from './help.ts';
import { botsMethods, messagesMethods, usersMethods } from './messages.ts';
import { updatesMethods } from './updates.ts';
import { uploadMethods } from './upload.ts';
import type { Handler } from './context.ts';

/** Every method the sandbox answers, keyed by gramjs class name ('upload.GetFile'). */
export const METHODS: Readonly<Record<string, Handler>> = {
  ...helpMethods,
  ...authMethods,
  ...updatesMethods,
  ...usersMethods,
  ...messagesMethods,
  ...botsMethods,
  ...channelsMethods,
  ...uploadMethods,
};

export { CallContext, type Handler } from './context.ts';
