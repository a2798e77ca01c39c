"""The station panel (`smarthall panel`): the HMI touch panel beside a station, as a client of the running agent.

It reaches the line only through `smarthall.edge.client` (read, watch, write, call, alarms, history and the
team's lesson step), as the user who signed in; the agent decides what that user may do.

    layout    what each station kind shows and offers (buttons, setpoints, counters, trends) as data
    station   the station as the panel sees it: the layout matched to the agent's tags and methods (sans-IO)
    picture   the station's picture in text from its latest values (sans-IO), with the belt's part tracker
    texts     every text of the panel, in Korean and English
    app       the Textual app and its screens; one widget per module beside it
    command   `smarthall panel` and `--serve` (textual-serve)
"""
