"""`smarthall centre`: a Sparkplug host application over the broker, every line of a hall in one view.

`model` follows births, data and deaths (sans-IO); `app` is the Textual view and the MQTT session.
"""
