"""The web server (3.11 env): the citizen chat widget, its demo page, and the agents'
console with its token-protected HTTP API."""
