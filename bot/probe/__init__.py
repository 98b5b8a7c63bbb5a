"""Live probes: send a real prediction request and tell which hop (client, APIG, dispatcher, model) fails."""
