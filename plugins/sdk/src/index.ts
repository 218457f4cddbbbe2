/**
 * The only module a Cairn plugin imports. Plugin kinds (auth providers, sources,
 * destinations, transformations) are defined here as the plugin system lands.
 */
export interface PluginManifest {
  /** Reverse-DNS style id, unique per install, e.g. `cairn.auth.saml`. */
  id: string;
  version: string;
  /** Semver range of the Cairn host this plugin works with, e.g. `^0.1.0`. */
  host: string;
}

export const SDK_VERSION = '0.1.0';
