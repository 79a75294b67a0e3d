// App-level setup, loaded by the Functions host before the function files (package.json "main").
// HTTP streaming stays off: every route answers with a small JSON body, and off is the host's plain path.
import { app } from '@azure/functions';

app.setup({ enableHttpStream: false });
