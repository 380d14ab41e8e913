"""The campaign engine as named small steps (STYLE §11):

- `audience`: resolve the segment and snapshot it into deliveries, streamed in batches;
- `choose`: suppress and choose the channel for one person (consent, addresses, fallbacks);
- `personalise`: the template variables for one person, rendered by `campaigns.templates`;
- `throttle`: per-channel rate;
- `dispatch`: lease, render, send through the channel adapter, record; reconcile crashes;
- `lifecycle`: draft → scheduled → running ⇄ paused → completed | cancelled, and stats.
"""
