// Under-replicated chunks and the repair work in flight, sampled at every poll.
const WINDOW_S = 300;
const HEIGHT = 220;

export class RepairChart {
  constructor(element) {
    this.element = element;
    this.data = [[], [], [], []];
    this.plot = new uPlot({
      width: this.width(),
      height: HEIGHT,
      scales: { x: { time: true } },
      axes: [{}, { label: 'chunks', size: 60 }],
      series: [
        {},
        { label: 'under-replicated', stroke: '#d9534f', width: 2 },
        { label: 'copies pending', stroke: '#2a7ae2', width: 2 },
        { label: 'deletes pending', stroke: '#9a6fb0', width: 2 },
      ],
    }, this.data, element);
    addEventListener('resize', () => this.plot.setSize({ width: this.width(), height: HEIGHT }));
  }

  width() {
    return Math.max(300, this.element.clientWidth);
  }

  add(replication, at) {
    const { totals } = replication;
    const columns = [at / 1000, totals.missing + totals.critical + totals.normal, replication.pending_copies, replication.pending_deletes];
    columns.forEach((value, i) => this.data[i].push(value));
    while (this.data[0][0] < at / 1000 - WINDOW_S) for (const column of this.data) column.shift();
    this.plot.setData(this.data);
    this.element.dataset.samples = String(this.data[0].length);
    this.element.dataset.under = String(columns[1]);
  }
}
