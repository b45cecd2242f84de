"""Set-up tools run by the integrator before a configuration goes live (nothing here runs live)."""
