#!/bin/sh
# Second phase of `azd up`. Event Grid refuses an event subscription whose AzureFunction endpoint does
# not exist yet, and azd provisions before it deploys code. So the first provision leaves the event
# subscriptions out (DEPLOY_EVENT_SUBSCRIPTION=false); once `azd deploy` has published onResourceEvent,
# this hook flips the flag in the azd environment and provisions again. Later runs of `azd up` or
# `azd provision` keep the event subscriptions up to date on their own, and this hook does nothing.
set -eu

if [ "${DEPLOY_EVENT_SUBSCRIPTION:-false}" = "true" ]; then
  echo "postdeploy: Event Grid subscriptions are already managed by 'azd provision'."
  exit 0
fi

echo "postdeploy: onResourceEvent is deployed; creating the Event Grid subscriptions."
azd env set DEPLOY_EVENT_SUBSCRIPTION true
azd provision --no-prompt
