# Rendered by railyard from the app model "storecove" (railyard synth).
# Copy to config/routes.health.rb in your Rails app; rerun `railyard synth` to update it.
#
# The probe routes for app/controllers/health_controller.rb. Paste these lines
# into the `Rails.application.routes.draw do ... end` block of config/routes.rb,
# or keep this file and load it from that block:
#   instance_eval(File.read(Rails.root.join("config/routes.health.rb")))
get "/health/liveness", to: "health#liveness"
get "/health/readiness", to: "health#readiness"
