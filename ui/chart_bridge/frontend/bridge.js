// bnviz live chart bridge: one plot div per chart for the chart's whole life, updated in place.
//
// Streamlit (components v2) inserts the component's HTML once and calls the default export on mount
// and again whenever the Python side sends new data. The first call builds the plot div, every
// later call only hands the newest figure to Plotly.react. Module-level state is shared by every
// chart of the page: Streamlit imports the module from one blob URL per JS source, so only once.
//
// data: UTF-8 JSON bytes {figure: {data, layout}, config, height, plotlySrc}.

// Per chart, keyed by its .bnviz-live-chart element (not by parentElement: the state describes that
// element's children, and a re-inserted HTML would be a new element needing a new plot div).
const charts = new WeakMap();
let plotlyLoading = null;

// plotly.js is 4.6 MB: load it once per page with one <script> tag, shared by every chart.
function loadPlotly(src) {
  plotlyLoading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.async = true;
    script.onload = () => {
      if (window.Plotly && typeof window.Plotly.react === "function") {
        resolve(window.Plotly);
      } else {
        reject(new Error(`${src} loaded but defined no window.Plotly`));
      }
    };
    script.onerror = () => {
      // Forget the failure so the next refresh tries again (e.g. after a server restart).
      plotlyLoading = null;
      script.remove();
      reject(new Error(`could not load plotly.js from ${src}`));
    };
    document.head.appendChild(script);
  });
  return plotlyLoading;
}

function createChart(root) {
  const plot = document.createElement("div");
  plot.className = "bnviz-plot";
  const note = document.createElement("div");
  note.className = "bnviz-note";
  // Shown until plotly.js has loaded: a sign, not a word, so it reads the same in every language.
  note.textContent = "…";
  root.replaceChildren(plot, note);

  const chart = { root, plot, note, latest: null, busy: false, plotted: false, width: 0 };
  // Follow the column's width (window resize, sidebar toggle), never the height: it is fixed so
  // the page does not jump. Only a real width change triggers a relayout.
  chart.resizer = new ResizeObserver((entries) => {
    const width = Math.round(entries[0].contentRect.width);
    if (!chart.plotted || width === chart.width || width === 0) return;
    chart.width = width;
    window.Plotly.Plots.resize(plot).catch(() => {});
  });
  chart.resizer.observe(root);
  charts.set(root, chart);
  return chart;
}

function showError(chart, error) {
  chart.note.textContent = `Chart not updated: ${error.message}`;
  chart.note.classList.add("bnviz-error");
  console.warn("bnviz live chart:", error);
}

// Draw the newest figure; figures that arrive while a draw is running are coalesced, so a slow
// browser skips intermediate frames instead of queueing them up and falling behind.
async function pump(chart) {
  if (chart.busy) return;
  chart.busy = true;
  try {
    while (chart.latest) {
      const message = chart.latest;
      chart.latest = null;
      try {
        const Plotly = await loadPlotly(message.plotlySrc);
        const { data, layout } = message.figure;
        await Plotly.react(chart.plot, data, layout, message.config);
        if (!chart.plotted) {
          chart.plotted = true;
          chart.width = Math.round(chart.root.getBoundingClientRect().width);
        }
        chart.note.textContent = "";
        chart.note.classList.remove("bnviz-error");
      } catch (error) {
        showError(chart, error);
      }
    }
  } finally {
    chart.busy = false;
  }
}

export default function liveChart({ parentElement, data }) {
  const root = parentElement.querySelector(".bnviz-live-chart");
  if (!root) return undefined;
  const chart = charts.get(root) ?? createChart(root);
  try {
    const message = JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data));
    root.style.height = `${message.height}px`;
    chart.latest = message;
    pump(chart);
  } catch (error) {
    showError(chart, error);
  }

  // Streamlit calls the cleanup of the latest render when the element unmounts, but also the
  // cleanup of a render that was superseded before it finished. Only tear down once the chart has
  // really left the page.
  return () => {
    setTimeout(() => {
      if (root.isConnected) return;
      chart.resizer.disconnect();
      if (window.Plotly) window.Plotly.purge(chart.plot);
      charts.delete(root);
    }, 0);
  };
}
