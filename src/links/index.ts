// Links: random, unguessable public ids (and secrets), and the URLs built on them, shared by the bot, the API, the
// watch page and the server so they cannot disagree on their shape.
export { isPublicId, linkSecretMatches, newLinkSecret, newPublicId } from './ids.ts';
export { fileLinks, type FileLinks } from './urls.ts';
