"""newsqa: chat with a collection of news articles; every claim cited to its passage.

Importing any part of newsqa switches off network access of the ML stack first, so no
code path can phone home or try to download weights (see `newsqa.offline`).
"""

from newsqa.offline import switch_off_network_features

switch_off_network_features()

__version__ = "0.1.0"
