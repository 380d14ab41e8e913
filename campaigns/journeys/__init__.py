"""Journeys (issue 17): event-triggered, multi-step flows per person across every channel
and the service desk. `service` defines and enrols, `engine` advances enrolments under
leases, `steps` runs each kind of step, `matching` reads the timeline for triggers, waits,
branches and goals, `alerts` opens the staff inbox item, `abtest` decides A/B tests."""
