"""Pictures of an explanation that stay readable at any number of players.

* :func:`interaction_graph`, :func:`upset`, :func:`bar`: shapiq's SI graph, upset and bar plots
  on the interactions among the top-k players, labelled ``name#position`` and titled.
  :func:`bar` and :func:`interaction_graph` take ``uncertainty=`` (an approximator's
  ``uncertainty_``, standard errors) and draw ``value ± z·SE``, by default
  ``z = DEFAULT_Z = 1.645`` (90 % intervals).
* :func:`text_html`, :func:`text_figure`: the highlighted-text view (each unit coloured by its
  first-order value, the strongest pairs as arcs) as a self-contained HTML page or a figure.
* :func:`player_labels`, :func:`top_players`, :func:`restrict`: the labels and the cap.

Needs matplotlib (``pip install matplotlib``) for the figures; :func:`text_html` does not.
"""

from ._uncertainty import DEFAULT_Z
from .charts import bar, interaction_graph, upset
from .selection import player_importance, player_labels, restrict, top_players
from .text import text_html
from .text_figure import text_figure

__all__ = [
    "DEFAULT_Z",
    "bar",
    "interaction_graph",
    "player_importance",
    "player_labels",
    "restrict",
    "text_figure",
    "text_html",
    "top_players",
    "upset",
]
