// The one place the demo reaches the test driver (the real handlers, Azurite and the ARM emulator, wired the way
// the Functions host would wire them). When the driver moves, only this import changes.
export { Driver, OTHER_IDENTITY, APP_IDENTITY, MAX_DEQUEUE_COUNT, type DriverOptions, type Identity, type ProcessedMessage } from '../test/support/driver.js';
