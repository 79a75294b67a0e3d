# Second phase of `azd up` (Windows). Same logic as postdeploy.sh: Event Grid needs onResourceEvent to
# exist before it accepts the event subscription, so the first deploy flips DEPLOY_EVENT_SUBSCRIPTION
# in the azd environment and provisions again; later runs do nothing here.
$ErrorActionPreference = 'Stop'

if ($env:DEPLOY_EVENT_SUBSCRIPTION -eq 'true') {
  Write-Host "postdeploy: Event Grid subscriptions are already managed by 'azd provision'."
  exit 0
}

Write-Host 'postdeploy: onResourceEvent is deployed; creating the Event Grid subscriptions.'
azd env set DEPLOY_EVENT_SUBSCRIPTION true
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
azd provision --no-prompt
exit $LASTEXITCODE
