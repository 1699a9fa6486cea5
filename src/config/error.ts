/** A configuration problem: the message names the variable and the fix. */
export class ConfigError extends Error {
  readonly code = 'SB_ERR_CONFIG';
  override name = 'ConfigError';
}
