/** The version of vm and of the API document it serves. Bump with package.json. */
export const VERSION = '0.1.0';
