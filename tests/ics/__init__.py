"""Tests of bnviz.ics: Santurkar et al. (2018) reproduced."""
