import { Api } from '../tl.ts';
import type { Handler } from './context.ts';

const api = Api as any;

export const helpMethods: Record<string, Handler> = {
  'help.GetConfig': (ctx) => {
    const now = Math.floor(Date.now() / 1000);
    return new api.Config({
      date: now,
      expires: now + 3600,
      testMode: false,
      thisDc: ctx.dc.id,
      dcOptions: ctx.sandbox.dcs.map((dc) => new api.DcOption({ id: dc.id, ipAddress: ctx.sandbox.host, port: dc.port })),
      dcTxtDomainName: 'sandbox.invalid',
      chatSizeMax: 200,
      megagroupSizeMax: 200000,
      forwardedCountMax: 100,
      onlineUpdatePeriodMs: 210000,
      offlineBlurTimeoutMs: 5000,
      offlineIdleTimeoutMs: 30000,
      onlineCloudTimeoutMs: 300000,
      notifyCloudDelayMs: 30000,
      notifyDefaultDelayMs: 1500,
      pushChatPeriodMs: 60000,
      pushChatLimit: 2,
      editTimeLimit: 172800,
      revokeTimeLimit: 2147483647,
      revokePmTimeLimit: 2147483647,
      ratingEDecay: 2419200,
      stickersRecentLimit: 200,
      channelsReadMediaPeriod: 604800,
      callReceiveTimeoutMs: 20000,
      callRingTimeoutMs: 90000,
      callConnectTimeoutMs: 30000,
      callPacketTimeoutMs: 10000,
      meUrlPrefix: 'https://t.me/',
      captionLengthMax: 1024,
      messageLengthMax: 4096,
      webfileDcId: 1,
    });
  },
  'help.GetNearestDc': (ctx) => new api.NearestDc({ country: 'ZZ', thisDc: ctx.dc.id, nearestDc: ctx.dc.id }),
};
