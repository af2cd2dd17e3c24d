"""The playground: train the real playwithnn network in a browser and watch it learn.

``playwithnn playground`` calls :func:`~playwithnn.playground.server.serve`, which
serves a page (plain HTML, CSS and JavaScript shipped in this package's
``static`` folder) and trains one :class:`~playwithnn.NeuralNetwork` per open
page in a background thread. The modules, from the ground up:

- :mod:`~playwithnn.playground.settings`: what a page may ask for, checked;
- :mod:`~playwithnn.playground.data`: toy sets, uploaded CSVs, features;
- :mod:`~playwithnn.playground.walk`: one training iteration in four steps, with the library's numbers;
- :mod:`~playwithnn.playground.modelfiles`: the networks as model files, downloaded and loaded back;
- :mod:`~playwithnn.playground.sessions`: networks, training threads, walks, published state;
- :mod:`~playwithnn.playground.server`: the HTTP server and its JSON API.
"""
