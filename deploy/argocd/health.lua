-- Argo CD health check for modelarts.operators.dev/ServiceTaskStart.
-- Accepted is Healthy, Failed is Degraded, anything else is Progressing.
local health = {}
if obj.status == nil or obj.status.phase == nil then
  health.status = "Progressing"
  health.message = "Waiting for the operator to observe the resource"
  return health
end

local message = ""
if obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "Ready" and condition.message ~= nil then
      message = condition.message
    end
  end
end

if obj.status.phase == "Accepted" then
  health.status = "Healthy"
elseif obj.status.phase == "Failed" then
  health.status = "Degraded"
else
  health.status = "Progressing"
end
health.message = message
return health
