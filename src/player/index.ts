// The watch page of a stored file (HTML5 player, facts from the media probe, download and share links) and its
// assets.
export { playerRoutes, externalPlayerUrl, EXTERNAL_PLAYER, type PlayerRoutesDeps } from './routes.ts';
