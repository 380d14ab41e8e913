"""Phone calls: the call fields, Twilio voice status callbacks, CSV exports from telephony."""
